from ringscope.cli import main

main()
