from docqa.cli import main

main()
