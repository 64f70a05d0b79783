"""Country-withheld content: legal orders, exemptions, deadlines, reporting."""
