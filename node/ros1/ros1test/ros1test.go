// Package ros1test runs Debian's real ROS 1 tools (roscore, rosbag, rostopic, rosparam from the
// ros-core package) for tests: a master on a free loopback port with its own ROS_HOME, and
// tools run against it.
package ros1test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/node/ros1"
)

// SetupHint is what a test says when the ROS 1 tools are missing.
const SetupHint = "run make setup (Debian packages ros-core python3-rosbag: roscore, rosbag, rostopic, rosparam)"

// Require fails the test (never skips it) when a ROS 1 tool is missing.
func Require(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"roscore", "rosbag", "rostopic", "rosparam"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: %s", tool, SetupHint)
		}
	}
}

// Master is a roscore started for one test.
type Master struct {
	Port int
	URI  string   // http://127.0.0.1:PORT/
	Env  []string // the environment for ROS tools and nodes: ROS_MASTER_URI, ROS_IP, ROS_HOME, ...
	home string
	proc *Proc
}

// FreePort returns a TCP port free on 127.0.0.1 now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartMaster starts roscore on a free port and waits until it answers. It is stopped at the
// end of the test.
func StartMaster(t testing.TB) *Master {
	t.Helper()
	Require(t)
	port := FreePort(t)
	home := t.TempDir()
	m := &Master{Port: port, URI: fmt.Sprintf("http://127.0.0.1:%d/", port), home: home}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ROS_") { // the caller's ROS_NAMESPACE, ROS_MASTER_URI, ... stay out
			m.Env = append(m.Env, kv)
		}
	}
	m.Env = append(m.Env, "ROS_MASTER_URI="+m.URI, "ROS_IP=127.0.0.1", "ROS_HOSTNAME=127.0.0.1",
		"ROS_HOME="+home, "ROS_LOG_DIR="+filepath.Join(home, "log"), "PYTHONUNBUFFERED=1")
	m.start(t)
	t.Cleanup(func() { m.Stop(t) })
	return m
}

func (m *Master) start(t testing.TB) {
	t.Helper()
	m.proc = m.Start(t, "roscore", "-p", strconv.Itoa(m.Port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := ros1.MasterPid(ctx, m.URI)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || m.proc.Exited() {
			t.Fatalf("roscore on port %d did not come up: %v\n%s", m.Port, err, m.proc.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops roscore (SIGINT to its process group: roscore then stops rosmaster and rosout).
func (m *Master) Stop(t testing.TB) {
	t.Helper()
	if m.proc != nil {
		m.proc.Interrupt(t, 15*time.Second)
		m.proc = nil
	}
}

// Restart stops roscore and starts it again on the same port.
func (m *Master) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	m.start(t)
}

// Run runs a ROS tool to its end and returns its combined output.
func (m *Master) Run(t testing.TB, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = m.Env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Start starts a program (a ROS tool, or a node) in its own process group with the master's
// environment; it is interrupted at the end of the test if still running.
func (m *Master) Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	return StartProc(t, m.Env, name, args...)
}

// Proc is a background process in its own process group.
type Proc struct {
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
	err  error
}

// StartProc starts name with env in a new process group.
func StartProc(t testing.TB, env []string, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: exec.Command(name, args...), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Interrupt(t, 10*time.Second) })
	return p
}

// Output is what the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits up to d for the process to end; ok is false on timeout.
func (p *Proc) Wait(d time.Duration) (err error, ok bool) {
	select {
	case <-p.done:
		return p.err, true
	case <-time.After(d):
		return nil, false
	}
}

// Signal sends sig to the process group.
func (p *Proc) Signal(sig syscall.Signal) { _ = syscall.Kill(-p.cmd.Process.Pid, sig) }

// Interrupt sends SIGINT to the process group and waits up to d; then SIGKILL.
func (p *Proc) Interrupt(t testing.TB, d time.Duration) error {
	if p.Exited() {
		return p.err
	}
	p.Signal(syscall.SIGINT)
	if err, ok := p.Wait(d); ok {
		return err
	}
	t.Logf("%s did not stop on SIGINT within %v; killing it", p.cmd.Path, d)
	p.Signal(syscall.SIGKILL)
	err, _ := p.Wait(5 * time.Second)
	return err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor polls cond every 50 ms until it holds, failing the test after d.
func WaitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Lists reports whether the master lists node as publishing (pub) or subscribing topic.
func (m *Master) Lists(node, topic string, pub bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pubs, subs, err := ros1.MasterTopics(ctx, m.URI)
	if err != nil {
		return false
	}
	list := subs[topic]
	if pub {
		list = pubs[topic]
	}
	for _, n := range list {
		if n == node {
			return true
		}
	}
	return false
}
