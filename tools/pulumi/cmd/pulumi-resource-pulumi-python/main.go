// Command pulumi-resource-pulumi-python starts the Python dynamic-resource
// provider: `python -u -m pulumi.dynamic <engine address>` in the project's
// virtualenv. The engine runs it as the `pulumi-python` resource plugin, with
// Pulumi.yaml's runtime options in PULUMI_RUNTIME_<OPTION> variables and its
// working directory set to the program directory (`main:`).
//
// Why our own: upstream's launcher (the shell script in sdk/v3's python/dist)
// resolves a relative PULUMI_RUNTIME_VIRTUALENV against its working directory,
// i.e. against `main:`, while the language host resolves it against the
// project root (pulumi/pulumi#7061). With `main: provider/program` and
// `virtualenv: .venv` the program ran but every dynamic resource failed with
// ".../provider/program/.venv doesn't exist". This launcher finds the project
// root (the nearest ancestor holding Pulumi.yaml) and hands the options to
// the same toolchain package the host uses, so both agree on the venv.
//
// Like upstream's script: with no virtualenv configured (and toolchain pip or
// unset) it runs PULUMI_PYTHON_CMD, else python3, from PATH; an unset
// toolchain means pip (upstream's script does no lock-file detection).
//
// It replaces itself with Python (execve), so the port line Python prints on
// stdout, signals and the exit status pass straight through.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"instantly-pulumi/tools/pulumi/internal/pyruntime"
)

// aboutFlag makes the launcher identify itself. It also keeps aboutText in the
// binary, which scripts/build-pulumi.sh greps for (without running the file) to
// tell this launcher from upstream's script before reusing a CLI on PATH.
const (
	aboutFlag = "--about"
	aboutText = "pulumi-resource-pulumi-python (instantly-pulumi): resolves the virtualenv against the project root"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == aboutFlag {
		fmt.Println(aboutText)
		return
	}
	cwd, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	cmd, err := command(context.Background(), cwd, os.Getenv, os.Args[1:])
	if err != nil {
		fail(err)
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if cmd.Dir != "" {
		if err := os.Chdir(cmd.Dir); err != nil {
			fail(err)
		}
	}
	// The engine stops the provider with SIGINT, which `pulumi.dynamic`
	// turns into KeyboardInterrupt. Python leaves SIGINT ignored when it
	// starts with it ignored (any command started in the background of a
	// non-interactive shell), and the engine then waits 5 s before killing
	// it. A handled signal is reset to its default by execve, so handling
	// SIGINT here hands Python a default SIGINT whatever we inherited.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	fail(syscall.Exec(cmd.Path, cmd.Args, env)) // returns only on failure
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "%v\n", err)
	os.Exit(1)
}

// command builds `python -u -m pulumi.dynamic args...` for a launcher started
// in cwd with the environment getenv.
func command(ctx context.Context, cwd string, getenv func(string) string, args []string) (*exec.Cmd, error) {
	root, ok := pyruntime.FindProjectRoot(cwd)
	if !ok {
		root = cwd // no project file above: resolve as upstream's script does
	}
	opts := toolchain.PythonOptions{
		Root:       root,
		ProgramDir: cwd,
		Virtualenv: getenv("PULUMI_RUNTIME_VIRTUALENV"),
		Toolchain:  toolchain.Pip,
	}
	if name := getenv("PULUMI_RUNTIME_TOOLCHAIN"); name != "" {
		if err := pyruntime.SetToolchain(&opts, name); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := pyruntime.CheckVenv(ctx, tc, opts); err != nil {
		return nil, err
	}
	return tc.Command(ctx, append([]string{"-u", "-m", "pulumi.dynamic"}, args...)...)
}
