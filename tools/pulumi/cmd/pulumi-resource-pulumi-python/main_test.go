package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// project makes root/Pulumi.yaml and root/provider/program, and returns both.
func project(t *testing.T, withVenv bool) (string, string) {
	t.Helper()
	root := t.TempDir()
	program := filepath.Join(root, "provider", "program")
	must(t, os.MkdirAll(program, 0o755))
	must(t, os.WriteFile(filepath.Join(root, "Pulumi.yaml"), []byte("name: x\n"), 0o644))
	if withVenv {
		must(t, os.MkdirAll(filepath.Join(root, ".venv", "bin"), 0o755))
		must(t, os.WriteFile(filepath.Join(root, ".venv", "bin", "python"), []byte("#!/bin/sh\n"), 0o755))
	}
	return root, program
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// The regression of pulumi/pulumi#7061: a relative virtualenv is the project
// root's, not the program directory's (the launcher's working directory).
func TestRelativeVirtualenvResolvesAgainstProjectRoot(t *testing.T) {
	root, program := project(t, true)
	cmd, err := command(context.Background(), program,
		env(map[string]string{"PULUMI_RUNTIME_VIRTUALENV": ".venv", "PULUMI_RUNTIME_TOOLCHAIN": "pip"}),
		[]string{"127.0.0.1:1234"})
	must(t, err)
	venv := filepath.Join(root, ".venv")
	if cmd.Path != filepath.Join(venv, "bin", "python") {
		t.Errorf("python: %s", cmd.Path)
	}
	if want := []string{"-u", "-m", "pulumi.dynamic", "127.0.0.1:1234"}; !slices.Equal(cmd.Args[1:], want) {
		t.Errorf("args: %v", cmd.Args)
	}
	if !slices.Contains(cmd.Env, "VIRTUAL_ENV="+venv) {
		t.Errorf("VIRTUAL_ENV not set to %s", venv)
	}
	if !slices.ContainsFunc(cmd.Env, func(e string) bool {
		return strings.HasPrefix(e, "PATH="+filepath.Join(venv, "bin")+string(os.PathListSeparator))
	}) {
		t.Errorf("PATH does not start with the venv's bin")
	}
}

func TestUnsetToolchainMeansPip(t *testing.T) {
	root, program := project(t, true)
	cmd, err := command(context.Background(), program,
		env(map[string]string{"PULUMI_RUNTIME_VIRTUALENV": ".venv"}), nil)
	must(t, err)
	if cmd.Path != filepath.Join(root, ".venv", "bin", "python") {
		t.Errorf("python: %s", cmd.Path)
	}
}

func TestAbsoluteVirtualenv(t *testing.T) {
	other, _ := project(t, true)
	_, program := project(t, false)
	cmd, err := command(context.Background(), program,
		env(map[string]string{"PULUMI_RUNTIME_VIRTUALENV": filepath.Join(other, ".venv")}), nil)
	must(t, err)
	if cmd.Path != filepath.Join(other, ".venv", "bin", "python") {
		t.Errorf("python: %s", cmd.Path)
	}
}

func TestMissingVirtualenvNamesPathAndPulumiInstall(t *testing.T) {
	root, program := project(t, false)
	_, err := command(context.Background(), program,
		env(map[string]string{"PULUMI_RUNTIME_VIRTUALENV": ".venv", "PULUMI_RUNTIME_TOOLCHAIN": "pip"}), nil)
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{filepath.Join(root, ".venv"), "doesn't exist", "pulumi install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), filepath.Join(program, ".venv")) {
		t.Errorf("%q names the program directory's venv", err)
	}
}

// Without a virtualenv: PULUMI_PYTHON_CMD (else python3) from PATH, as upstream's script.
func TestNoVirtualenvUsesPulumiPythonCmd(t *testing.T) {
	_, program := project(t, false)
	fake := filepath.Join(t.TempDir(), "mypython")
	must(t, os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("PULUMI_PYTHON_CMD", fake)
	cmd, err := command(context.Background(), program, env(nil), []string{"addr"})
	must(t, err)
	if cmd.Path != fake || !slices.Equal(cmd.Args[1:], []string{"-u", "-m", "pulumi.dynamic", "addr"}) {
		t.Errorf("got %s %v", cmd.Path, cmd.Args)
	}
}

func TestUnknownToolchain(t *testing.T) {
	_, program := project(t, true)
	if _, err := command(context.Background(), program,
		env(map[string]string{"PULUMI_RUNTIME_TOOLCHAIN": "conda"}), nil); err == nil {
		t.Error("expected an error")
	}
}
