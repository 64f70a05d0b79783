from harmlabel.cli import main

main()
