package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// dial serves srv's services on a loopback port for the test's lifetime and
// returns a client connection to it.
func dial(t *testing.T, register func(*grpc.Server)) (*grpc.ClientConn, *grpc.Server) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn, srv
}

func serveHost(t *testing.T, h *pythonHost) pulumirpc.LanguageRuntimeClient {
	t.Helper()
	conn, _ := dial(t, func(s *grpc.Server) { pulumirpc.RegisterLanguageRuntimeServer(s, h) })
	return pulumirpc.NewLanguageRuntimeClient(conn)
}

// fakePython writes dir/<venv>/bin/python, a shell script with body.
func fakePython(t *testing.T, dir, venv, body string) {
	t.Helper()
	bin := filepath.Join(dir, venv, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "python"), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func pluginInfo(t *testing.T, dir string, options map[string]any) *pulumirpc.ProgramInfo {
	t.Helper()
	opts, err := structpb.NewStruct(options)
	if err != nil {
		t.Fatal(err)
	}
	return &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: ".", Options: opts}
}

// pluginRun collects what RunPlugin streams.
type pluginRun struct {
	stdout, stderr strings.Builder
	exitCode       *int32
	err            error
}

func collect(stream grpc.ServerStreamingClient[pulumirpc.RunPluginResponse]) *pluginRun {
	run := &pluginRun{}
	for {
		msg, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				run.err = err
			}
			return run
		}
		switch out := msg.Output.(type) {
		case *pulumirpc.RunPluginResponse_Stdout:
			run.stdout.Write(out.Stdout)
		case *pulumirpc.RunPluginResponse_Stderr:
			run.stderr.Write(out.Stderr)
		case *pulumirpc.RunPluginResponse_Exitcode:
			code := out.Exitcode
			run.exitCode = &code
		}
	}
}

func TestRunPluginRunsMainPyInThePluginsVenvAndStreamsItsOutput(t *testing.T) {
	plugin, pwd := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(plugin, "__main__.py"), nil, 0o644)
	// No virtualenv option: a plugin gets its own `venv`, never the ambient Python.
	fakePython(t, plugin, "venv", `echo "args $*"; echo "pwd $(pwd)"; echo "X=$X"; echo oops >&2; exit 0`+"\n")
	client := serveHost(t, newHost("", "/shim"))
	stream, err := client.RunPlugin(context.Background(), &pulumirpc.RunPluginRequest{
		Pwd: pwd, Args: []string{"127.0.0.1:9", "--flag"}, Env: []string{"X=1"}, Kind: "resource",
		Info: pluginInfo(t, plugin, map[string]any{"toolchain": "pip"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	run := collect(stream)
	if run.err != nil || run.exitCode != nil {
		t.Fatalf("a plugin exiting 0 ends the stream without an exit code: %v, %v", run.err, run.exitCode)
	}
	want := fmt.Sprintf("args -u %s 127.0.0.1:9 --flag\npwd %s\nX=1\n", plugin, pwd)
	if run.stdout.String() != want || run.stderr.String() != "oops\n" {
		t.Errorf("stdout %q (want %q), stderr %q", run.stdout.String(), want, run.stderr.String())
	}
}

func TestRunPluginSendsTheExitCode(t *testing.T) {
	plugin := t.TempDir()
	os.WriteFile(filepath.Join(plugin, "__main__.py"), nil, 0o644)
	fakePython(t, plugin, "venv", "echo bye; exit 3\n")
	stream, err := serveHost(t, newHost("", "/shim")).RunPlugin(context.Background(), &pulumirpc.RunPluginRequest{
		Kind: "resource", Info: pluginInfo(t, plugin, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	run := collect(stream)
	if run.err != nil || run.exitCode == nil || *run.exitCode != 3 || run.stdout.String() != "bye\n" {
		t.Fatalf("got %+v", run)
	}
}

func TestRunPluginRunsABuildablePackageThroughPulumiRunPlugin(t *testing.T) {
	plugin := t.TempDir()
	os.WriteFile(filepath.Join(plugin, "pyproject.toml"), []byte(
		"[project]\nname = \"my-component\"\n[build-system]\nbuild-backend = \"setuptools.build_meta\"\n"), 0o644)
	fakePython(t, plugin, "venv", `echo "args $*"`+"\n")
	stream, _ := serveHost(t, newHost("", "/shim")).RunPlugin(context.Background(), &pulumirpc.RunPluginRequest{
		Args: []string{"a"}, Kind: "resource", Info: pluginInfo(t, plugin, nil),
	})
	if run := collect(stream); run.stdout.String() != "args -u -m pulumi.run.plugin my-component a\n" {
		t.Fatalf("got %+v", run)
	}

	os.Remove(filepath.Join(plugin, "pyproject.toml"))
	stream, _ = serveHost(t, newHost("", "/shim")).RunPlugin(context.Background(), &pulumirpc.RunPluginRequest{
		Kind: "resource", Info: pluginInfo(t, plugin, nil),
	})
	if run := collect(stream); run.err == nil || !strings.Contains(run.err.Error(), "neither a __main__.py") {
		t.Fatalf("a directory with nothing to run: %+v", run)
	}
}

func TestRunPluginForAPolicyPackWithoutItsVenvSaysPulumiInstall(t *testing.T) {
	pack := t.TempDir()
	stream, err := serveHost(t, newHost("", "/shim")).RunPlugin(context.Background(), &pulumirpc.RunPluginRequest{
		Kind: "analyzer", Info: pluginInfo(t, pack, map[string]any{"toolchain": "pip", "virtualenv": "venv"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	run := collect(stream)
	if run.err == nil || !strings.Contains(run.err.Error(), "pulumi install") ||
		!strings.Contains(run.err.Error(), filepath.Join(pack, "venv")) {
		t.Fatalf("got %+v", run)
	}
}

// fakeAnalyzer is the "real" policy pack behind the proxy.
type fakeAnalyzer struct {
	pulumirpc.UnimplementedAnalyzerServer
	configured chan *pulumirpc.AnalyzerStackConfigureRequest
}

func (a *fakeAnalyzer) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "9.9.9"}, nil
}

func (a *fakeAnalyzer) ConfigureStack(
	_ context.Context, req *pulumirpc.AnalyzerStackConfigureRequest,
) (*pulumirpc.AnalyzerStackConfigureResponse, error) {
	a.configured <- req
	return &pulumirpc.AnalyzerStackConfigureResponse{}, nil
}

// The engine's side of a policy pack run, as in sdk/go/common/resource/plugin:
// RunPlugin (kind analyzer), read the port from the first line of stdout,
// ConfigureStack, then use the pack. The pack must be started in its own
// directory as `python -u -m pulumi.policy <engine> <dir>`, with the stack in
// its environment (how pulumi_policy reads it), and reached through the port
// the host printed.
func TestRunPluginStartsAPolicyPackWithTheStackInItsEnvironment(t *testing.T) {
	pack := t.TempDir()
	analyzer := &fakeAnalyzer{configured: make(chan *pulumirpc.AnalyzerStackConfigureRequest, 1)}
	conn, _ := dial(t, func(s *grpc.Server) { pulumirpc.RegisterAnalyzerServer(s, analyzer) })
	_, port, _ := net.SplitHostPort(conn.Target())
	record := filepath.Join(pack, "ran.txt")
	fakePython(t, pack, "venv", fmt.Sprintf(`{ echo "args $*"; echo "pwd $(pwd)"; env; } > %q
echo %s
echo "policy pack says hi"
exit 0
`, record, port))

	client := serveHost(t, newHost("", "/shim"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := client.RunPlugin(ctx, &pulumirpc.RunPluginRequest{
		Args: []string{"127.0.0.1:7"}, Kind: "analyzer", Env: []string{"FROM_ENGINE=yes"},
		Info: pluginInfo(t, pack, map[string]any{"toolchain": "pip", "virtualenv": "venv"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	proxyPort := strings.TrimSpace(string(first.GetStdout()))
	proxyConn, err := grpc.NewClient("127.0.0.1:"+proxyPort, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer proxyConn.Close()
	proxy := pulumirpc.NewAnalyzerClient(proxyConn)
	stack := &pulumirpc.AnalyzerStackConfigureRequest{
		Project: "instantly-clients", Stack: "acme", Organization: "organization", DryRun: true,
		Config: map[string]string{"instantly-clients:client": `{"workspace_id":"w"}`},
	}
	if _, err := proxy.ConfigureStack(ctx, stack); err != nil {
		t.Fatal(err)
	}
	info, err := proxy.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil || info.GetVersion() != "9.9.9" {
		t.Fatalf("the engine must reach the pack through the proxy: %v, %v", info, err)
	}
	select {
	case got := <-analyzer.configured:
		if got.GetStack() != "acme" {
			t.Errorf("the pack was configured for %q", got.GetStack())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the proxy did not pass ConfigureStack on to the pack")
	}
	// (The SDK's proxy may add "error copying stdout: ... closed pipe" when the
	// pack exits: it closes the pipe it still reads from.)
	run := collect(stream)
	if run.err != nil || run.exitCode != nil || !strings.HasPrefix(run.stdout.String(), "policy pack says hi\n") {
		t.Errorf("the rest of the pack's output, then a clean end: %v, %v, %q", run.err, run.exitCode, run.stdout.String())
	}

	out, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if want := "args -u -m pulumi.policy 127.0.0.1:7 " + pack; lines[0] != want {
		t.Errorf("got %q, want %q", lines[0], want)
	}
	if lines[1] != "pwd "+pack {
		t.Errorf("a policy pack runs in its own directory: %s", lines[1])
	}
	for _, v := range []string{
		"PULUMI_PROJECT=instantly-clients", "PULUMI_STACK=acme", "PULUMI_DRY_RUN=true",
		"PULUMI_ORGANIZATION=organization", `PULUMI_CONFIG={"instantly-clients:client":"{\"workspace_id\":\"w\"}"}`,
		"FROM_ENGINE=yes", "VIRTUAL_ENV=" + filepath.Join(pack, "venv"),
	} {
		if !slices.Contains(lines, v) {
			t.Errorf("the pack's environment lacks %s", v)
		}
	}
}

// interruptibleProgram is a project whose program runs until SIGINT, then
// exits 7; it touches the returned file once it runs.
func interruptibleProgram(t *testing.T) (*pulumirpc.ProgramInfo, string) {
	t.Helper()
	root, info := fakeProject(t)
	started := filepath.Join(root, "started")
	fakePython(t, root, ".venv", fmt.Sprintf(`trap 'kill $! 2>/dev/null; exit 7' INT
touch %q
sleep 30 &
wait
`, started))
	return info, started
}

// Cancel interrupts the running program with SIGINT (not SIGKILL: the
// program's handler runs and its exit code comes back), well before the grace
// period after which it would be killed.
func TestCancelInterruptsTheRunningProgram(t *testing.T) {
	info, started := interruptibleProgram(t)
	h := newHost("", "/shim")
	client := serveHost(t, h)
	done := make(chan *pulumirpc.RunResponse, 1)
	go func() {
		resp, err := client.Run(context.Background(), &pulumirpc.RunRequest{Info: info})
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	waitFor(t, func() bool { _, err := os.Stat(started); return err == nil })
	start := time.Now()
	if _, err := client.Cancel(context.Background(), &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	select {
	case resp := <-done:
		if !strings.Contains(resp.GetError(), "exit code: 7") {
			t.Errorf("the program's SIGINT handler must have run: %v", resp)
		}
		if elapsed := time.Since(start); elapsed >= interruptGrace {
			t.Errorf("took %s: killed after the grace period, not interrupted", elapsed)
		}
	case <-time.After(2 * interruptGrace):
		t.Fatal("Run did not return after Cancel")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The host serves until the engine stops answering its health check, then
// interrupts the program it runs and exits: an engine that dies without
// stopping its plugins leaves no host (and no program) behind.
func TestServeStopsWhenTheEngineDies(t *testing.T) {
	info, started := interruptibleProgram(t)
	engineConn, engine := dial(t, func(s *grpc.Server) {
		healthgrpc.RegisterHealthServer(s, health.NewServer())
	})
	h := newHost(engineConn.Target(), "/shim")
	out, port := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- serve(context.Background(), h, 50*time.Millisecond, port) }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(line),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pulumirpc.NewLanguageRuntimeClient(conn)
	ran := make(chan *pulumirpc.RunResponse, 1)
	go func() {
		resp, err := client.Run(context.Background(), &pulumirpc.RunRequest{Info: info})
		if err != nil {
			t.Error(err)
		}
		ran <- resp
	}()
	waitFor(t, func() bool { _, err := os.Stat(started); return err == nil })
	time.Sleep(300 * time.Millisecond) // several health checks while the engine is alive
	select {
	case err := <-served:
		t.Fatalf("the host stopped while its engine was alive: %v", err)
	default:
	}

	engine.Stop()
	select {
	case resp := <-ran:
		if !strings.Contains(resp.GetError(), "exit code: 7") {
			t.Errorf("the program must have been interrupted (its SIGINT handler ran): %v", resp)
		}
	case <-time.After(interruptGrace):
		t.Fatal("the program still runs after the engine died")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the host still serves after its engine died")
	}
}
