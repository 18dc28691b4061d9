from promise_audit.cli import main

main()
