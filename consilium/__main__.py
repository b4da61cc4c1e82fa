from consilium.cli import main

main()
