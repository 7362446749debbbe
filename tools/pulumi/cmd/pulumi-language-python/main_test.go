package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// fakeProject makes a project whose venv "python" is a shell script: it
// records its arguments and environment in root/ran.txt and exits with the
// code in root/exit (0 without it).
func fakeProject(t *testing.T) (string, *pulumirpc.ProgramInfo) {
	t.Helper()
	root := t.TempDir()
	program := filepath.Join(root, "provider", "program")
	bin := filepath.Join(root, ".venv", "bin")
	for _, dir := range []string{program, bin} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\n" +
		"{ echo \"ARGS $*\"; env; } > \"" + root + "/ran.txt\"\n" +
		"[ -f \"" + root + "/exit\" ] && exit \"$(cat \"" + root + "/exit\")\"\n" +
		"exit 0\n"
	if err := os.WriteFile(filepath.Join(bin, "python"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	options, err := structpb.NewStruct(map[string]any{"toolchain": "pip", "virtualenv": ".venv"})
	if err != nil {
		t.Fatal(err)
	}
	return root, &pulumirpc.ProgramInfo{
		RootDirectory: root, ProgramDirectory: program, EntryPoint: ".", Options: options,
	}
}

func ran(t *testing.T, root string) (string, []string) {
	t.Helper()
	out, err := os.ReadFile(filepath.Join(root, "ran.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimPrefix(lines[0], "ARGS "), lines[1:]
}

func TestRunUsesTheRootsVirtualenvAndNeverPassesNullConfig(t *testing.T) {
	root, info := fakeProject(t)
	h := newHost("127.0.0.1:1", "/shim")
	resp, err := h.Run(context.Background(), &pulumirpc.RunRequest{
		Project: "p", Stack: "s", MonitorAddress: "127.0.0.1:2", DryRun: true, Info: info,
	})
	if err != nil || resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("Run: %v, %v", resp, err)
	}
	args, env := ran(t, root)
	want := "-u /shim --monitor 127.0.0.1:2 --engine 127.0.0.1:1 --project p --stack s --dry_run true " +
		"--parallel 0 --root_directory " + root + " " + info.ProgramDirectory
	if args != want {
		t.Errorf("args:\n got %s\nwant %s", args, want)
	}
	for _, v := range []string{"PULUMI_CONFIG={}", "PULUMI_CONFIG_SECRET_KEYS=[]", "VIRTUAL_ENV=" + filepath.Join(root, ".venv")} {
		if !slices.Contains(env, v) {
			t.Errorf("environment lacks %s", v)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	root, info := fakeProject(t)
	h := newHost("", "/shim")
	os.WriteFile(filepath.Join(root, "exit"), []byte("32"), 0o644)
	resp, err := h.Run(context.Background(), &pulumirpc.RunRequest{Info: info})
	if err != nil || !resp.GetBail() || resp.GetError() != "" {
		t.Errorf("exit 32 must bail quietly: %v, %v", resp, err)
	}
	os.WriteFile(filepath.Join(root, "exit"), []byte("3"), 0o644)
	resp, err = h.Run(context.Background(), &pulumirpc.RunRequest{Info: info})
	if err != nil || resp.GetBail() || !strings.Contains(resp.GetError(), "exit code: 3") {
		t.Errorf("exit 3: %v, %v", resp, err)
	}
}

func TestRunWithoutVirtualenvSaysPulumiInstall(t *testing.T) {
	root, info := fakeProject(t)
	os.RemoveAll(filepath.Join(root, ".venv"))
	_, err := newHost("", "/shim").Run(context.Background(), &pulumirpc.RunRequest{Info: info})
	if err == nil || !strings.Contains(err.Error(), "pulumi install") ||
		!strings.Contains(err.Error(), filepath.Join(root, ".venv")) {
		t.Errorf("got %v", err)
	}
}

func TestProgramPathAndConfig(t *testing.T) {
	info := &pulumirpc.ProgramInfo{ProgramDirectory: "/p/prog", EntryPoint: "main.py"}
	if got := programPath(&pulumirpc.RunRequest{Info: info}); got != "/p/prog/main.py" {
		t.Errorf("entry point file: %s", got)
	}
	if got := programPath(&pulumirpc.RunRequest{}); got != "." {
		t.Errorf("no info: %s", got)
	}
	env, err := configEnv(&pulumirpc.RunRequest{
		Config: map[string]string{"a:b": "c"}, ConfigSecretKeys: []string{"a:b"},
	})
	if err != nil || !slices.Equal(env, []string{`PULUMI_CONFIG={"a:b":"c"}`, `PULUMI_CONFIG_SECRET_KEYS=["a:b"]`}) {
		t.Errorf("config env: %v, %v", env, err)
	}
}

func TestRunTypechecksFirstWhenConfigured(t *testing.T) {
	root, info := fakeProject(t)
	options, _ := structpb.NewStruct(map[string]any{"toolchain": "pip", "virtualenv": ".venv", "typechecker": "mypy"})
	info.Options = options
	os.WriteFile(filepath.Join(root, "exit"), []byte("1"), 0o644)
	_, err := newHost("", "/shim").Run(context.Background(), &pulumirpc.RunRequest{Info: info})
	if err == nil || !strings.Contains(err.Error(), "mypy failed") {
		t.Fatalf("a failing typecheck must stop the run: %v", err)
	}
	args, _ := ran(t, root)
	if want := "-m mypy --exclude ../../.venv " + info.ProgramDirectory; args != want {
		t.Errorf("typechecker args:\n got %s\nwant %s", args, want)
	}
}
