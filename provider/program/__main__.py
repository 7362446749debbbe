"""The Pulumi program of every client stack: load the client value, declare it, export."""

import pulumi

from instantly_pulumi.stack import CONFIG_KEY, StackFileError, declare, parse_client

try:
    client = parse_client(pulumi.Config().get_object(CONFIG_KEY))
except StackFileError as exc:
    # RunError prints the message alone, without a Python traceback.
    raise pulumi.RunError(str(exc)) from None

for name, value in declare(client).items():
    pulumi.export(name, value)
