// Package pyruntime is what this project's language host and its
// dynamic-provider launcher share: reading Pulumi.yaml's Python runtime
// options into the options of the Pulumi SDK's own toolchain package
// (github.com/pulumi/pulumi/sdk/v3/python/toolchain), finding the project
// root, and the one message a missing virtualenv gets.
//
// The toolchain package does the real work (resolving `virtualenv` against the
// project root, creating the venv, installing, listing packages, building the
// interpreter command); nothing here re-implements it.
package pyruntime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// Options reads the `runtime.options` of Pulumi.yaml (as the engine sends them
// in ProgramInfo) into toolchain options rooted at root, the directory of
// Pulumi.yaml, with programDir the directory of `main`. Unset `toolchain`
// stays Auto (lock-file detection, then pip), as in upstream's host.
func Options(root, programDir string, options map[string]any) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: root, ProgramDir: programDir}
	str := func(key string) (string, bool, error) {
		raw, ok := options[key]
		if !ok || raw == nil {
			return "", false, nil
		}
		s, ok := raw.(string)
		if !ok {
			return "", false, fmt.Errorf("the %s option in Pulumi.yaml must be a string, not %T", key, raw)
		}
		return s, true, nil
	}
	venv, _, err := str("virtualenv")
	if err != nil {
		return opts, err
	}
	opts.Virtualenv = venv
	if name, ok, err := str("toolchain"); err != nil {
		return opts, err
	} else if ok {
		if err := SetToolchain(&opts, name); err != nil {
			return opts, err
		}
	}
	if name, ok, err := str("typechecker"); err != nil {
		return opts, err
	} else if ok {
		if err := SetTypechecker(&opts, name); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// SetToolchain sets opts.Toolchain from its Pulumi.yaml spelling.
func SetToolchain(opts *toolchain.PythonOptions, name string) error {
	switch name {
	case "pip":
		opts.Toolchain = toolchain.Pip
	case "poetry":
		opts.Toolchain = toolchain.Poetry
	case "uv":
		opts.Toolchain = toolchain.Uv
	default:
		return fmt.Errorf("unsupported toolchain option in Pulumi.yaml: %q (pip, poetry or uv)", name)
	}
	return nil
}

// SetTypechecker sets opts.Typechecker from its Pulumi.yaml spelling.
func SetTypechecker(opts *toolchain.PythonOptions, name string) error {
	switch name {
	case "mypy":
		opts.Typechecker = toolchain.TypeCheckerMypy
	case "pyright":
		opts.Typechecker = toolchain.TypeCheckerPyright
	default:
		return fmt.Errorf("unsupported typechecker option in Pulumi.yaml: %q (mypy or pyright)", name)
	}
	return nil
}

// FindProjectRoot returns the nearest directory at or above dir that holds a
// project file (Pulumi.yaml, .yml or .json, found as the Pulumi CLI finds it),
// and whether there is one.
func FindProjectRoot(dir string) (string, bool) {
	path, err := workspace.DetectProjectPathFrom(dir)
	if err != nil {
		return "", false
	}
	return filepath.Dir(path), true
}

// CheckVenv returns nil when the toolchain's virtualenv is usable. Otherwise
// its error names the `virtualenv` option, the path it resolves to and the
// command that creates it: `pulumi install`, run in the project root.
func CheckVenv(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions) error {
	err := tc.ValidateVenv(ctx)
	if err == nil {
		return nil
	}
	path, perr := tc.VirtualEnvPath(ctx)
	if opts.Virtualenv == "" || perr != nil || path == "" {
		return fmt.Errorf("%w\nRun `pulumi install` in %s to create the virtualenv and install the program's dependencies",
			err, opts.Root)
	}
	return MissingVenvError(opts.Virtualenv, path, opts.Root)
}

// MissingVenvError is the message for a `virtualenv` option whose resolved
// path is not a virtual environment.
func MissingVenvError(option, path, root string) error {
	what := "doesn't exist"
	if _, err := os.Stat(path); err == nil {
		what = "is not a virtual environment (it has no bin/python)"
	} else if !errors.Is(err, os.ErrNotExist) {
		what = fmt.Sprintf("can't be read (%v)", err)
	}
	resolved := ""
	if !filepath.IsAbs(option) {
		resolved = fmt.Sprintf(" (relative to the project root %s)", root)
	}
	return fmt.Errorf("The 'virtualenv' option in Pulumi.yaml is set to %q, but %s%s %s. "+
		"Run `pulumi install` in %s to create it and install the program's dependencies.",
		option, path, resolved, what, root)
}
