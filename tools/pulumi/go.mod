// The project's own wrapper module: it pins the Pulumi CLI to the same release
// as the `pulumi` Python package in pyproject.toml and builds it from the Go
// module proxy (`go install pkg@version` refuses pkg/v3 because its go.mod has
// replace directives; a wrapper's requirements are not subject to that).
module instantly-pulumi/tools/pulumi

go 1.26.6

require (
	github.com/pulumi/pulumi/pkg/v3 v3.259.0
	github.com/pulumi/pulumi/sdk/v3 v3.259.0
)

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
