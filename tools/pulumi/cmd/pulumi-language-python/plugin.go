package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"

	"instantly-pulumi/tools/pulumi/internal/pyruntime"
)

// RunPlugin runs a plugin written in Python, streaming its output to the
// engine and ending with its exit code. The engine reads the plugin's port
// from the first line of that output, then talks to the plugin directly.
//
//   - A policy pack (kind "analyzer": `pulumi preview --policy-pack DIR`) runs
//     as `python -u -m pulumi.policy <engine> <pack dir>` in the pack's
//     directory, on the interpreter of its PulumiPolicy.yaml runtime options
//     (the `virtualenv` option, relative to the pack). pulumi_policy reads the
//     stack it checks (project, stack, dry run, config) from the environment,
//     while the engine sends them over gRPC (ConfigureStack) once the plugin
//     is up: the SDK's PolicyProxy answers the engine first, takes those
//     values, and then hands the engine over to the real pack.
//   - Any other plugin runs as `python <plugin dir> args...` (its __main__.py),
//     or, for a directory that is a buildable package without __main__.py, as
//     `python -m pulumi.run.plugin <package name> args...`, in req.Pwd, on the
//     plugin's virtualenv (`venv` when PulumiPlugin.yaml names none, as
//     upstream: plugins never run on the ambient Python).
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	ctx := server.Context()
	info := req.GetInfo()
	opts, err := programOptions(info)
	if err != nil {
		return err
	}
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)
	if !analyzer {
		defaultPluginVirtualenv(&opts)
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	if err := pyruntime.CheckVenv(ctx, tc, opts); err != nil {
		return err
	}
	args, dir, err := pluginCommand(req, analyzer)
	if err != nil {
		return err
	}

	runCtx, done := h.runContext(ctx)
	defer done()
	cmd, err := tc.Command(runCtx, args...)
	if err != nil {
		return err
	}
	interruptOnCancel(cmd)
	cmd.Dir = dir
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}

	stream := &pluginStream{server: server}
	stdout := stream.writer(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	stderr := stream.writer(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})

	var proxy *sdk.PolicyProxy
	if analyzer {
		// The proxy writes its own port to stdout and waits for the engine's
		// ConfigureStack; the pack's output then goes through the proxy,
		// which reads the pack's port from it before passing the rest on.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		stack, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get the stack's configuration for the policy pack: %w", err)
		}
		env, err := policyPackEnv(stack)
		if err != nil {
			return err
		}
		cmd.Env = append(cmd.Env, env...)
	}
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		if proxy != nil {
			proxy.Abort(err)
		}
		return fmt.Errorf("could not start the plugin %s: %w", info.GetProgramDirectory(), err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd) // waits for the pack to exit
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return stream.send(&pulumirpc.RunPluginResponse{
				Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
			})
		}
		return fmt.Errorf("the plugin %s failed: %w", info.GetProgramDirectory(), err)
	}
	return nil // the engine takes the end of the stream for exit code 0
}

// defaultPluginVirtualenv gives a pip (or unset) toolchain without a
// virtualenv the plugin's own `venv`, as upstream: a plugin never runs on the
// ambient Python. (Policy packs are the exception, for compatibility: they
// use their `virtualenv` option when set and the ambient Python otherwise.)
func defaultPluginVirtualenv(opts *toolchain.PythonOptions) {
	if (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
}

// pluginCommand is the interpreter's arguments for req and the directory to
// run them in.
func pluginCommand(req *pulumirpc.RunPluginRequest, analyzer bool) ([]string, string, error) {
	dir := req.GetInfo().GetProgramDirectory()
	if analyzer {
		// The pack's directory comes last and is also the working directory
		// (how Python policy packs have always run).
		return append(append([]string{"-u", "-m", "pulumi.policy"}, req.GetArgs()...), dir), dir, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "__main__.py")); err == nil {
		return append([]string{"-u", dir}, req.GetArgs()...), req.GetPwd(), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("looking for the plugin's __main__.py: %w", err)
	}
	buildable, err := toolchain.IsBuildablePackage(dir)
	if err != nil {
		return nil, "", fmt.Errorf("reading the plugin's pyproject.toml: %w", err)
	}
	if !buildable {
		return nil, "", fmt.Errorf("the plugin in %s can't be run: it has neither a __main__.py nor a "+
			"pyproject.toml with a [build-system]", dir)
	}
	pyproject, err := toolchain.LoadPyproject(dir)
	if err != nil {
		return nil, "", err
	}
	args := append([]string{"-u", "-m", "pulumi.run.plugin", pyproject.Project.Name}, req.GetArgs()...)
	return args, req.GetPwd(), nil
}

// policyPackEnv passes the stack a policy pack checks the way pulumi_policy
// reads it: PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN (all three, or it
// configures nothing), PULUMI_ORGANIZATION and the stack config as
// PULUMI_CONFIG. No stack (e.g. `pulumi policy publish`): nothing.
func policyPackEnv(stack *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if stack == nil {
		return nil, nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_ORGANIZATION", stack.GetOrganization())
	add("PULUMI_PROJECT", stack.GetProject())
	add("PULUMI_STACK", stack.GetStack())
	add("PULUMI_DRY_RUN", strconv.FormatBool(stack.GetDryRun()))
	if config := stack.GetConfig(); config != nil {
		configJSON, err := json.Marshal(config)
		if err != nil {
			return nil, fmt.Errorf("could not encode the stack's configuration: %w", err)
		}
		add("PULUMI_CONFIG", string(configJSON))
	}
	return env, nil
}

// pluginStream sends a plugin's output to the engine. gRPC allows one sender
// at a time on a stream, and the command's stdout and stderr are copied by
// two goroutines, so every send holds the lock.
type pluginStream struct {
	mu     sync.Mutex
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
}

func (s *pluginStream) send(resp *pulumirpc.RunPluginResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server.Send(resp)
}

// writer returns an io.Writer whose writes are sent as wrap(bytes).
func (s *pluginStream) writer(wrap func([]byte) *pulumirpc.RunPluginResponse) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		// The engine may keep the message after Write returns: send a copy.
		if err := s.send(wrap(append([]byte(nil), p...))); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
