package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"

	"instantly-pulumi/tools/pulumi/internal/pyruntime"
)

// The exec shim exits with this code after it has shown the user an
// actionable message; the engine must then bail without adding its own.
const exitCodeUserActionable = 32

// Run runs the program: the exec shim under the toolchain's interpreter.
func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	// Problems found before the program starts are the RPC's error, shown by
	// the CLI as is; the program's own failure is the response's Error.
	tc, opts, err := resolve(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := pyruntime.CheckVenv(ctx, tc, opts); err != nil {
		return nil, err
	}
	if err := typecheck(ctx, tc, opts); err != nil {
		return nil, err
	}
	env, err := configEnv(req)
	if err != nil {
		return nil, err
	}
	runCtx, done := h.runContext(ctx)
	defer done()
	cmd, err := tc.Command(runCtx, append([]string{"-u", h.shim}, shimArgs(req, h.engine)...)...)
	if err != nil {
		return nil, err
	}
	interruptOnCancel(cmd)
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
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

// shimArgs is the exec shim's command line for req.
func shimArgs(req *pulumirpc.RunRequest, engine string) []string {
	var args []string
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", fmt.Sprintf("%v", req.GetDryRun()))
	add("parallel", fmt.Sprint(req.GetParallel()))
	add("organization", req.GetOrganization())
	add("root_directory", req.GetInfo().GetRootDirectory())
	args = append(args, programPath(req))
	return append(args, req.GetArgs()...)
}

// programPath is what the shim runs: the program directory (its __main__.py),
// or the file `main:` names inside it.
func programPath(req *pulumirpc.RunRequest) string {
	info := req.GetInfo()
	if info.GetProgramDirectory() == "" {
		if req.GetProgram() != "" {
			return req.GetProgram()
		}
		return "."
	}
	if entry := info.GetEntryPoint(); entry != "" && entry != "." {
		return filepath.Join(info.GetProgramDirectory(), entry)
	}
	return info.GetProgramDirectory()
}

// configEnv passes the stack config to the shim. Never `null`: the shim
// iterates both values unconditionally.
func configEnv(req *pulumirpc.RunRequest) ([]string, error) {
	config, secretKeys := req.GetConfig(), req.GetConfigSecretKeys()
	if config == nil {
		config = map[string]string{}
	}
	if secretKeys == nil {
		secretKeys = []string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(configJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretKeysJSON)}, nil
}

// typecheck runs the `typechecker` of Pulumi.yaml (mypy or pyright, from the
// virtualenv) over the program directory before the program, as upstream.
func typecheck(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions) error {
	var name string
	var args []string
	switch opts.Typechecker {
	case toolchain.TypeCheckerNone:
		return nil
	case toolchain.TypeCheckerMypy:
		name = "mypy"
		// Leave the virtualenv out when it sits inside the program directory.
		if venv, err := tc.VirtualEnvPath(ctx); err == nil && venv != "" {
			if rel, err := filepath.Rel(opts.ProgramDir, venv); err == nil {
				args = []string{"--exclude", rel}
			}
		}
	case toolchain.TypeCheckerPyright:
		name = "pyright"
	}
	cmd, err := tc.ModuleCommand(ctx, name, append(args, opts.ProgramDir)...)
	if err != nil {
		return err
	}
	cmd.Dir = opts.ProgramDir
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w (is it installed in the virtualenv?)", name, err)
	}
	return nil
}
