// Command pulumi-language-python is this project's Python language host for
// the Pulumi CLI.
//
// Why our own: the upstream host (module
// github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is not
// served by the Go module proxy this project can reach, at any version or
// commit (403 "This module version is not available"), while the CLI itself
// (pkg/v3) is. The engine talks to a language host only over the
// LanguageRuntime gRPC service, so this host implements the part of it that
// the commands a user runs need, on the pinned sdk/v3. The Python work itself
// (resolving `virtualenv` against the project root, creating the venv,
// installing requirements, listing packages, building the interpreter
// command, for pip, poetry and uv) is the SDK's toolchain package
// (sdk/v3/python/toolchain), called as upstream's host calls it:
//
//   - Handshake / GetPluginInfo: the engine address; the pinned version;
//   - GetRequiredPackages: ensures the virtualenv exists (creating it and
//     installing requirements.txt when missing, as upstream), then reports no
//     packages (dynamic providers are served by the `pulumi-resource-pulumi-
//     python` launcher next to this binary; this project ships no plugin
//     packages);
//   - Run: `python -u pulumi-language-python-exec ...` (the upstream exec shim
//     shipped in sdk/v3, placed next to this binary) in the toolchain's
//     environment, with the config in PULUMI_CONFIG and its secret keys in
//     PULUMI_CONFIG_SECRET_KEYS, after the typechecker if one is configured;
//   - InstallDependencies (`pulumi install`, in the project or in a policy
//     pack): venv + `pip install -r requirements.txt` in the program
//     directory, streamed to the CLI;
//   - About / GetProgramDependencies (`pulumi about`): the interpreter and the
//     installed packages;
//   - RunPlugin: a plugin written in Python, above all a policy pack
//     (`pulumi preview --policy-pack DIR`; plugin.go);
//   - Cancel: interrupts the program or plugin running (SIGINT, then SIGKILL
//     after 5 s), as does the engine's death.
//
// The host also exits when the engine stops answering its health check.
// Everything else (program and SDK generation, packing, linking, `pulumi new`
// prompts and templates) stays Unimplemented, which the engine reports as
// such; docs/language-host.md compares every method with upstream's host.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"instantly-pulumi/tools/pulumi/internal/pyruntime"
)

func main() {
	// The engine passes its address as the last positional argument. Older
	// engines passed the runtime options as flags; they are accepted and
	// ignored (each request carries them in its ProgramInfo).
	for _, name := range []string{"tracing", "root", "binary", "virtualenv", "typechecker", "toolchain"} {
		flag.String(name, "", "obsolete; ignored")
	}
	flag.Parse()

	engine := ""
	if flag.NArg() > 0 {
		engine = flag.Arg(flag.NArg() - 1)
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	host := newHost(engine, filepath.Join(filepath.Dir(self), "pulumi-language-python-exec"))
	if _, err := os.Stat(host.shim); err != nil {
		fail(fmt.Errorf("the exec shim must sit next to the language host: %w", err))
	}

	// The engine stops a plugin by sending SIGINT to its process group and
	// kills it 5 s later. Go keeps a signal ignored when the process started
	// with it ignored (as every command run in the background of a
	// non-interactive shell does), so without asking for SIGINT the host
	// would sit out those 5 s at every stop: twice per `pulumi up`. Asking
	// for it installs a handler; it also gives the Python program we start a
	// default SIGINT again (handled signals reset on exec), so Ctrl-C reaches
	// it as KeyboardInterrupt.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second SIGINT kills, as before we asked for it
	}()
	if err := serve(ctx, host, engineHealthInterval, os.Stdout); err != nil {
		fail(err)
	}
}

// engineHealthInterval is how often the host asks the engine whether it is
// still there (upstream's hosts: every 5 minutes).
const engineHealthInterval = 5 * time.Minute

// serve serves the LanguageRuntime service until ctx ends (SIGINT) or the
// engine stops answering its health check (polled every interval, as
// upstream's hosts do: an engine killed with SIGKILL never stops its
// plugins). It writes the port to out first, as the spawner expects.
//
// The server stops gracefully: it waits for the calls in progress. On SIGINT
// a program or plugin the host runs got the engine's signal too (the engine
// signals the host's process group), and ends. A dead engine sends nothing,
// so then the host interrupts them itself (as Cancel does).
func serve(ctx context.Context, host *pythonHost, interval time.Duration, out io.Writer) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if host.engine != "" {
		engineGone := func() {
			host.cancel()
			stop()
		}
		if err := rpcutil.Healthcheck(ctx, host.engine, interval, engineGone); err != nil {
			return err
		}
	}
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		return err
	}
	// The spawner reads the port from our first line of output.
	fmt.Fprintf(out, "%d\n", handle.Port)
	return <-handle.Done
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
	shim   string
	// cancelled ends when the engine calls Cancel or stops answering: the
	// programs and plugins the host runs are then interrupted.
	cancelled context.Context
	cancel    context.CancelFunc
}

func newHost(engine, shim string) *pythonHost {
	cancelled, cancel := context.WithCancel(context.Background())
	return &pythonHost{engine: engine, shim: shim, cancelled: cancelled, cancel: cancel}
}

// Cancel asks the host to stop what it runs: a running program or plugin
// gets SIGINT (and is killed if it has not exited 5 s later); Run and
// RunPlugin then return as usual, with the exit it had.
func (h *pythonHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

// runContext is the context a program or plugin runs under: it ends with the
// request (ctx) or when the engine calls Cancel, whichever comes first.
func (h *pythonHost) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(h.cancelled, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// interruptGrace is how long a program or plugin has to exit after SIGINT.
const interruptGrace = 5 * time.Second

// interruptOnCancel makes cmd (made with exec.CommandContext) interrupted
// rather than killed when its context ends: SIGINT (KeyboardInterrupt in
// Python), then SIGKILL after interruptGrace, as upstream's host does.
func interruptOnCancel(cmd *exec.Cmd) {
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = interruptGrace
}

// programOptions reads the request's runtime options, with `virtualenv`
// relative to the project root (info.RootDirectory).
func programOptions(info *pulumirpc.ProgramInfo) (toolchain.PythonOptions, error) {
	if info == nil {
		return toolchain.PythonOptions{}, fmt.Errorf("the engine sent no program info")
	}
	return pyruntime.Options(info.GetRootDirectory(), info.GetProgramDirectory(), info.GetOptions().AsMap())
}

// resolve reads the request's runtime options and resolves the toolchain.
func resolve(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, toolchain.PythonOptions, error) {
	opts, err := programOptions(info)
	if err != nil {
		return nil, opts, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	return tc, opts, err
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
