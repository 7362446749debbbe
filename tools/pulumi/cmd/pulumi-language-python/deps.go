package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"instantly-pulumi/tools/pulumi/internal/pyruntime"
)

// InstallDependencies serves `pulumi install`: create the virtualenv (resolved
// against the project root) and install requirements.txt from the program
// directory into it, streaming the output to the CLI. For a plugin (a policy
// pack: `pulumi install` in its directory) the root is the plugin's
// directory, and a plugin that is a buildable package (pyproject.toml with a
// [build-system]) is installed into the virtualenv itself first, as upstream.
func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	info := req.GetInfo()
	opts, err := programOptions(info)
	if err != nil {
		return err
	}
	if req.GetIsPlugin() {
		defaultPluginVirtualenv(&opts)
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if req.GetIsPlugin() {
		buildable, err := toolchain.IsBuildablePackage(info.GetProgramDirectory())
		if err != nil {
			return fmt.Errorf("reading the plugin's pyproject.toml: %w", err)
		}
		if buildable {
			if err := tc.InstallPackage(server.Context(), info.GetProgramDirectory(),
				req.GetUseLanguageVersionTools(), true /* showOutput */, stdout, stderr); err != nil {
				return err
			}
		}
	}
	if err := tc.InstallDependencies(server.Context(), info.GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true /* showOutput */, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// GetRequiredPackages creates the virtualenv if it is missing (as upstream's
// host does before every preview/up), then reports no plugin packages.
// EnsureVenv checks the venv first and writes nothing when it is usable; the
// engine connection behind the writers is only dialled on the first write.
func (h *pythonHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	tc, opts, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	stdout, stderr, done := h.engineWriters(ctx)
	defer done()
	if err := tc.EnsureVenv(ctx, opts.ProgramDir, false /* useLanguageVersionTools */, true, /* showOutput */
		stdout, stderr); err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GetProgramDependencies lists the packages installed in the virtualenv
// (`pulumi about`; only top-level ones unless --transitive).
func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, opts, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := pyruntime.CheckVenv(ctx, tc, opts); err != nil {
		return nil, err
	}
	packages, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to get python dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, len(packages))
	for i, p := range packages {
		deps[i] = &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// About reports the interpreter the program runs on (`pulumi about`).
func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, opts, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := pyruntime.CheckVenv(ctx, tc, opts); err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"toolchain": strings.ToLower(toolchain.Name(opts.Toolchain))},
	}
	if v := info.ToolchainVersion; v.Major != 0 || v.Minor != 0 || v.Patch != 0 {
		resp.Metadata["toolchainVersion"] = v.String()
	}
	return resp, nil
}

// engineWriters returns writers that show output as ephemeral engine log
// messages (how the CLI displays a language host's progress during an
// operation), or stderr when there is no engine to talk to.
func (h *pythonHost) engineWriters(ctx context.Context) (io.Writer, io.Writer, func()) {
	if h.engine == "" {
		return os.Stderr, os.Stderr, func() {}
	}
	conn, err := grpc.NewClient(h.engine,
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return os.Stderr, os.Stderr, func() {}
	}
	client := pulumirpc.NewEngineClient(conn)
	stream := rand.Int32() //nolint:gosec // a stream id, not a secret
	writer := func(severity pulumirpc.LogSeverity) io.Writer {
		return &engineLog{ctx: ctx, client: client, stream: stream, severity: severity}
	}
	return writer(pulumirpc.LogSeverity_INFO), writer(pulumirpc.LogSeverity_ERROR), func() { _ = conn.Close() }
}

type engineLog struct {
	ctx      context.Context
	client   pulumirpc.EngineClient
	stream   int32
	severity pulumirpc.LogSeverity
}

func (w *engineLog) Write(p []byte) (int, error) {
	_, err := w.client.Log(w.ctx, &pulumirpc.LogRequest{
		Message:   strings.ToValidUTF8(string(p), "\uFFFD"),
		Ephemeral: true,
		StreamId:  w.stream,
		Severity:  w.severity,
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}
