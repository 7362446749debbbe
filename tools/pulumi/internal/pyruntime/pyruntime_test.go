package pyruntime

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

func TestOptions(t *testing.T) {
	opts, err := Options("/root", "/root/prog", map[string]any{
		"toolchain": "pip", "virtualenv": ".venv", "typechecker": "mypy",
	})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Root != "/root" || opts.ProgramDir != "/root/prog" || opts.Virtualenv != ".venv" ||
		opts.Toolchain != toolchain.Pip || opts.Typechecker != toolchain.TypeCheckerMypy {
		t.Fatalf("unexpected options %+v", opts)
	}

	opts, err = Options("/root", "/root", nil)
	if err != nil || opts.Toolchain != toolchain.Auto || opts.Virtualenv != "" {
		t.Fatalf("no options: %+v, %v", opts, err)
	}

	for _, bad := range []map[string]any{
		{"toolchain": "conda"},
		{"toolchain": 3},
		{"virtualenv": true},
		{"typechecker": "pytype"},
	} {
		if _, err := Options("/r", "/r", bad); err == nil {
			t.Errorf("%v: expected an error", bad)
		}
	}
}

func TestFindProjectRoot(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "provider", "program")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := FindProjectRoot(deep); ok {
		// A Pulumi.yaml above the temp dir would make this test meaningless.
		t.Skip("a project file exists above the temp dir")
	}
	for _, name := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		file := filepath.Join(root, name)
		if err := os.WriteFile(file, []byte("name: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{root, deep} {
			if got, ok := FindProjectRoot(dir); !ok || got != root {
				t.Errorf("%s from %s: got %q, %v", name, dir, got, ok)
			}
		}
		os.Remove(file)
	}
	// The nearest one wins.
	os.WriteFile(filepath.Join(root, "Pulumi.yaml"), nil, 0o644)
	os.WriteFile(filepath.Join(deep, "Pulumi.yaml"), nil, 0o644)
	if got, _ := FindProjectRoot(deep); got != deep {
		t.Errorf("nested project: got %q", got)
	}
}

func TestCheckVenv(t *testing.T) {
	root := t.TempDir()
	opts := toolchain.PythonOptions{Root: root, ProgramDir: filepath.Join(root, "prog"),
		Virtualenv: ".venv", Toolchain: toolchain.Pip}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(root, ".venv")

	err = CheckVenv(context.Background(), tc, opts)
	for _, want := range []string{`".venv"`, venv, "doesn't exist", "`pulumi install` in " + root} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing venv: %v does not say %q", err, want)
		}
	}

	os.MkdirAll(filepath.Join(venv, "lib"), 0o755)
	if err := CheckVenv(context.Background(), tc, opts); err == nil || !strings.Contains(err.Error(), "not a virtual environment") {
		t.Errorf("not a venv: %v", err)
	}

	os.MkdirAll(filepath.Join(venv, "bin"), 0o755)
	os.WriteFile(filepath.Join(venv, "bin", "python"), []byte("#!/bin/sh\n"), 0o755)
	if err := CheckVenv(context.Background(), tc, opts); err != nil {
		t.Errorf("a venv: %v", err)
	}
}
