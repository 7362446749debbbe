// Command pulumi-language-python is this project's Python language host for
// the Pulumi CLI.
//
// Why our own: the upstream host (module
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is not
// served by the Go module proxy this project can reach, at any version or
// commit (403 "This module version is not available"), while the CLI itself
// (pkg/v3) is. The engine talks to a language host only over the
// LanguageRuntime gRPC service, so this small host implements the part of it
// a Python program run needs, on the generated stubs of the pinned sdk/v3:
//
//   - Handshake / GetPluginInfo: identify itself with the pinned version;
//   - GetRequiredPlugins / GetRequiredPackages: none (dynamic providers are
//     served by the `pulumi-resource-pulumi-python` launcher on PATH);
//   - Run: start `<virtualenv>/bin/python -u pulumi-language-python-exec ...`
//     (the upstream exec shim shipped in sdk/v3, placed next to this binary)
//     with the program's config in PULUMI_CONFIG and its secret keys in
//     PULUMI_CONFIG_SECRET_KEYS, exactly as the shim expects them;
//   - InstallDependencies: nothing (the project's Makefile owns the venv);
//   - About / GetProgramDependencies: the interpreter and no extra packages.
//
// Everything else stays Unimplemented, which the engine tolerates.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The exec shim exits with this code after it has shown the user an
// actionable message; the engine must then bail without adding its own.
const exitCodeUserActionable = 32

func main() {
	// The engine passes its address as the last positional argument; older
	// engines may add -tracing or -root flags, which are accepted and ignored.
	flag.String("tracing", "", "zipkin-compatible tracing endpoint (ignored)")
	flag.String("root", "", "project root (ignored; taken from each request)")
	flag.String("binary", "", "unused")
	flag.Parse()

	engine := ""
	if flag.NArg() > 0 {
		engine = flag.Arg(flag.NArg() - 1)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	host := &pythonHost{engine: engine, shim: filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")}
	if _, err := os.Stat(host.shim); err != nil {
		fail(fmt.Errorf("the exec shim must sit next to the language host: %w", err))
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail(err)
	}
	// The spawner reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
	shim   string
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engine = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *pythonHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *pythonHost) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *pythonHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *pythonHost) About(_ context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	python := pythonFor(req.GetInfo())
	out, err := exec.Command(python, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s --version: %w", python, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: python,
		Version:    strings.TrimSpace(strings.TrimPrefix(string(out), "Python ")),
	}, nil
}

// pythonFor picks the interpreter: the `virtualenv` runtime option of
// Pulumi.yaml (relative to the project root), else python3 on PATH.
func pythonFor(info *pulumirpc.ProgramInfo) string {
	venv := option(info, "virtualenv")
	if venv == "" {
		return "python3"
	}
	if !filepath.IsAbs(venv) {
		venv = filepath.Join(info.GetRootDirectory(), venv)
	}
	return filepath.Join(venv, "bin", "python")
}

func option(info *pulumirpc.ProgramInfo, name string) string {
	if info == nil || info.GetOptions() == nil {
		return ""
	}
	v, ok := info.GetOptions().GetFields()[name]
	if !ok {
		return ""
	}
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return s.StringValue
	}
	return ""
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	python := pythonFor(info)
	if _, err := os.Stat(python); err != nil && filepath.IsAbs(python) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"the virtualenv interpreter %s does not exist: run `make venv` first", python)}, nil
	}

	program := req.GetProgram()
	if info != nil && info.GetProgramDirectory() != "" {
		program = info.GetProgramDirectory()
		// `main:` in Pulumi.yaml may name a file rather than a folder.
		if entry := info.GetEntryPoint(); entry != "" && entry != "." {
			program = filepath.Join(program, entry)
		}
	}
	if program == "" {
		program = "."
	}
	args := []string{"-u", h.shim}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", fmt.Sprintf("%v", req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("organization", req.GetOrganization())
	if info != nil {
		add("root_directory", info.GetRootDirectory())
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	// Never `null`: the shim iterates both values unconditionally.
	configMap, secretKeyList := req.GetConfig(), req.GetConfigSecretKeys()
	if configMap == nil {
		configMap = map[string]string{}
	}
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	if venv := option(info, "virtualenv"); venv != "" {
		// Mirrors `activate`: the program and anything it starts see the venv.
		bin := filepath.Dir(python)
		cmd.Env = append(cmd.Env, "VIRTUAL_ENV="+filepath.Dir(bin), "PATH="+bin+":"+os.Getenv("PATH"))
	}
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeUserActionable {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}
