"""The media benchmark (`harmlabel bench media`): advisory forensic signals on a
labelled set of authentic, spliced and copy-moved JPEGs, PDQ recall and false
matches, and latency. Writes a Markdown report and the reliability JSON the
service reads."""

from bench.media.main import run

__all__ = ["run"]
