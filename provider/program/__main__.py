"""The Pulumi program of every client stack: check the stack, declare its resources, export."""

from instantly_pulumi.program import main

main()
