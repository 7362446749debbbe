"""The Pulumi program of every client stack: check the stack, declare its resources, export."""

from instantly_pulumi.stack import main

main()
