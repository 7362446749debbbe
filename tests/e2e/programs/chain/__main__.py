import pulumi
from chain_resource import Record

config = pulumi.Config("chain")
record = Record("record", store_dir=config.require("store_dir"), value=config.require("value"))
pulumi.export("record_id", record.id)
pulumi.export("value", record.value)
pulumi.export("token", config.require_secret("token"))
