package ros2

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func envTable(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestDiscoveryFromEnv: the variables as rcl reads them (rcl/src/rcl/discovery_options.c,
// init.c, localhost.c), by distro.
func TestDiscoveryFromEnv(t *testing.T) {
	long := strings.Repeat("h", 256)
	for _, tc := range []struct {
		name     string
		env      []string
		want     DiscoveryRange
		peers    []string
		humble   bool
		source   string // substring of Source
		warnings []string
	}{
		{name: "nothing set", want: DiscoveryRangeSubnet, source: "default"},
		{name: "LOCALHOST", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"}, want: DiscoveryRangeLocalhost, source: "ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST"},
		{name: "OFF", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "OFF"}, want: DiscoveryRangeOff},
		{name: "SUBNET", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "SUBNET"}, want: DiscoveryRangeSubnet, source: "ROS_AUTOMATIC_DISCOVERY_RANGE=SUBNET"},
		{name: "SYSTEM_DEFAULT", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "SYSTEM_DEFAULT"}, want: DiscoveryRangeSystemDefault},
		{name: "jazzy explicit", env: []string{"ROS_DISTRO", "jazzy", "ROS_AUTOMATIC_DISCOVERY_RANGE", "OFF"}, want: DiscoveryRangeOff},
		{name: "lower case is invalid", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "localhost"}, want: DiscoveryRangeLocalhost, warnings: []string{"invalid"}},
		{name: "invalid means localhost", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "WIDE"}, want: DiscoveryRangeLocalhost, warnings: []string{"assuming LOCALHOST"}},
		{name: "static peers", env: []string{"ROS_STATIC_PEERS", ";192.168.0.7;;robot.local;"}, want: DiscoveryRangeSubnet, peers: []string{"192.168.0.7", "robot.local"}},
		{name: "peers kept as written", env: []string{"ROS_STATIC_PEERS", " a ;b"}, want: DiscoveryRangeSubnet, peers: []string{" a ", "b"}},
		{name: "too long a peer is skipped", env: []string{"ROS_STATIC_PEERS", "a;" + long}, want: DiscoveryRangeSubnet, peers: []string{"a"}, warnings: []string{"too long"}},
		{name: "peers with localhost", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST", "ROS_STATIC_PEERS", "10.0.0.2"}, want: DiscoveryRangeLocalhost, peers: []string{"10.0.0.2"}},
		{name: "OFF ignores peers", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "OFF", "ROS_STATIC_PEERS", "10.0.0.2"}, want: DiscoveryRangeOff, warnings: []string{"ROS_STATIC_PEERS is ignored"}},
		{name: "SYSTEM_DEFAULT keeps peers but ignores them", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "SYSTEM_DEFAULT", "ROS_STATIC_PEERS", "10.0.0.2"}, want: DiscoveryRangeSystemDefault, peers: []string{"10.0.0.2"}, warnings: []string{"ignored"}},
		{name: "jazzy ROS_LOCALHOST_ONLY=1", env: []string{"ROS_LOCALHOST_ONLY", "1"}, want: DiscoveryRangeLocalhost, source: "ROS_LOCALHOST_ONLY=1", warnings: []string{"deprecated"}},
		{name: "jazzy ROS_LOCALHOST_ONLY=1 wins", env: []string{"ROS_LOCALHOST_ONLY", "1", "ROS_AUTOMATIC_DISCOVERY_RANGE", "SUBNET", "ROS_STATIC_PEERS", "10.0.0.2"}, want: DiscoveryRangeLocalhost, warnings: []string{"deprecated", "are ignored"}},
		{name: "jazzy ROS_LOCALHOST_ONLY prefix 1", env: []string{"ROS_LOCALHOST_ONLY", "1yes"}, want: DiscoveryRangeLocalhost, warnings: []string{"deprecated"}},
		{name: "jazzy ROS_LOCALHOST_ONLY=0", env: []string{"ROS_LOCALHOST_ONLY", "0", "ROS_AUTOMATIC_DISCOVERY_RANGE", "OFF"}, want: DiscoveryRangeOff, warnings: []string{"deprecated"}},
		{name: "humble default", env: []string{"ROS_DISTRO", "humble"}, want: DiscoveryRangeSubnet, humble: true, source: "default"},
		{name: "humble localhost only", env: []string{"ROS_DISTRO", "humble", "ROS_LOCALHOST_ONLY", "1"}, want: DiscoveryRangeLocalhost, humble: true, source: "ROS_LOCALHOST_ONLY=1"},
		{name: "humble wants exactly 1", env: []string{"ROS_DISTRO", "humble", "ROS_LOCALHOST_ONLY", "1yes"}, want: DiscoveryRangeSubnet, humble: true},
		{name: "humble has no range or peers", env: []string{"ROS_DISTRO", "humble", "ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST", "ROS_STATIC_PEERS", "a"}, want: DiscoveryRangeSubnet, humble: true, warnings: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_STATIC_PEERS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, warnings := DiscoveryFromEnv(envTable(tc.env...))
			if d.Range != tc.want || d.Humble != tc.humble || !slices.Equal(d.StaticPeers, tc.peers) {
				t.Errorf("got range %v humble %v peers %q, want %v %v %q", d.Range, d.Humble, d.StaticPeers, tc.want, tc.humble, tc.peers)
			}
			if !strings.Contains(d.Source, tc.source) || d.Source == "" {
				t.Errorf("source %q, want it to mention %q", d.Source, tc.source)
			}
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %d mentioning %q", warnings, len(tc.warnings), tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not mention %q", warnings[i], w)
				}
			}
		})
	}
}

// TestDiscoveryConfigXML pins the fragments to rmw_cyclonedds' (check_create_domain in
// rmw_cyclonedds_cpp/src/rmw_node.cpp, branches jazzy and humble).
func TestDiscoveryConfigXML(t *testing.T) {
	const (
		head  = "<CycloneDDS><Domain>"
		noMC  = "<General><AllowMulticast>false</AllowMulticast></General>"
		auto  = "<Discovery><ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>32</MaxAutoParticipantIndex>"
		tail  = "</Discovery></Domain></CycloneDDS>,"
		local = `<Peer address="localhost"/>`
	)
	for _, tc := range []struct {
		d    Discovery
		want string
	}{
		{Discovery{Range: DiscoveryRangeSubnet}, head + auto + tail},
		{Discovery{Range: DiscoveryRangeSubnet, StaticPeers: []string{"10.0.0.2", "robot"}}, head + auto + `<Peers><Peer address="10.0.0.2"/><Peer address="robot"/></Peers>` + tail},
		{Discovery{Range: DiscoveryRangeLocalhost}, head + noMC + auto + "<Peers>" + local + "</Peers>" + tail},
		{Discovery{Range: DiscoveryRangeLocalhost, StaticPeers: []string{"10.0.0.2"}}, head + noMC + auto + "<Peers>" + local + `<Peer address="10.0.0.2"/></Peers>` + tail},
		{Discovery{Range: DiscoveryRangeOff}, head + noMC + "<Discovery><ParticipantIndex>none</ParticipantIndex><Tag>ros_discovery_off_4242</Tag>" + tail},
		{Discovery{Range: DiscoveryRangeOff, StaticPeers: []string{"10.0.0.2"}}, head + noMC + "<Discovery><ParticipantIndex>none</ParticipantIndex><Tag>ros_discovery_off_4242</Tag>" + tail},
		{Discovery{Range: DiscoveryRangeSystemDefault, StaticPeers: []string{"10.0.0.2"}}, ""},
		{Discovery{Range: DiscoveryRangeSubnet, StaticPeers: []string{`a"b<&`}}, head + auto + `<Peers><Peer address="a&quot;b&lt;&amp;"/></Peers>` + tail},
		{Discovery{Range: DiscoveryRangeSubnet, Humble: true}, ""},
		{Discovery{Range: DiscoveryRangeLocalhost, Humble: true}, `<CycloneDDS><Domain><General><Interfaces><NetworkInterface address="127.0.0.1"/></Interfaces></General></Domain></CycloneDDS>,`},
	} {
		got, err := tc.d.ConfigXML(4242)
		if err != nil {
			t.Errorf("%+v: %v", tc.d, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.d, got, tc.want)
		}
	}
	for _, d := range []Discovery{{}, {Range: 9}, {Range: DiscoveryRangeOff, Humble: true}, {Range: DiscoveryRangeSubnet, Humble: true, StaticPeers: []string{"a"}}} {
		if x, err := d.ConfigXML(1); err == nil {
			t.Errorf("%+v: no error, got %q", d, x)
		}
	}
	// The user's configuration follows ours, so that Cyclone lets it override ours.
	user := "file:///etc/cyclonedds.xml,<Tracing><Verbosity>fine</Verbosity></Tracing>"
	got, err := Discovery{Range: DiscoveryRangeLocalhost}.CycloneConfig(7, user)
	if err != nil {
		t.Fatal(err)
	}
	if want := head + noMC + auto + "<Peers>" + local + "</Peers>" + tail + user; got != want {
		t.Errorf("merged config\n got %s\nwant %s", got, want)
	}
	if got, _ := (Discovery{Range: DiscoveryRangeSystemDefault}).CycloneConfig(7, user); got != user {
		t.Errorf("SYSTEM_DEFAULT: config %q, want the user's alone", got)
	}
}

// TestDomainSharing: nodes of one process on one domain share it only with equal discovery
// settings (as rmw's check_create_domain demands); once the last closes, the domain is deleted
// and may come back with other settings.
func TestDomainSharing(t *testing.T) {
	dom := testDomain()
	local := &Discovery{Range: DiscoveryRangeLocalhost, StaticPeers: []string{"127.0.0.2"}}
	a, err := NewNode(NodeOptions{Name: "a", DomainID: dom, Discovery: local})
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Discovery(); !d.Equal(*local) || d.Source != "NodeOptions.Discovery" {
		t.Errorf("Discovery() = %+v", d)
	}
	if c := a.CycloneConfig(); !strings.HasPrefix(c, "<CycloneDDS><Domain><General><AllowMulticast>false</AllowMulticast>") ||
		!strings.Contains(c, `<Peer address="127.0.0.2"/>`) {
		t.Errorf("CycloneConfig() = %q", c)
	}
	if _, err := NewNode(NodeOptions{Name: "b", DomainID: dom, Discovery: &Discovery{Range: DiscoveryRangeSubnet}}); err == nil || !strings.Contains(err.Error(), "cannot join") {
		t.Errorf("a node with other discovery settings joined: %v", err)
	}
	if _, err := NewNode(NodeOptions{Name: "b", DomainID: dom, Discovery: &Discovery{Range: DiscoveryRangeLocalhost}}); err == nil {
		t.Errorf("a node with other static peers joined")
	}
	b, err := NewNode(NodeOptions{Name: "b", DomainID: dom, Discovery: &Discovery{Range: DiscoveryRangeLocalhost, StaticPeers: []string{"127.0.0.2"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Both nodes live in one domain: they meet in-process.
	pub, err := a.NewPublisher("/share", "std_msgs/msg/String", QoSDefault)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10)
	if _, err := b.Subscribe("/share", "std_msgs/msg/String", QoSDefault, func(data []byte, _ SampleInfo) {
		got <- cdrString(data)
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the shared domain's publisher to match", 5*time.Second, func() bool { n, _ := pub.MatchedSubscriptions(); return n == 1 })
	if err := pub.PublishRaw(stringCDR("hi")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "hi" {
			t.Errorf("got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message within the shared domain")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	domains.Lock()
	_, left := domains.m[*dom]
	domains.Unlock()
	if left {
		t.Fatal("domain still registered after its last node closed")
	}
	c, err := NewNode(NodeOptions{Name: "c", DomainID: dom, Discovery: &Discovery{Range: DiscoveryRangeSubnet}})
	if err != nil {
		t.Fatalf("recreating the domain with other settings: %v", err)
	}
	c.Close()
}

func stringCDR(s string) []byte {
	b := []byte{0, 1, 0, 0}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(s)+1))
	return append(append(b, s...), 0)
}

func cdrString(b []byte) string {
	if len(b) < 9 {
		return ""
	}
	n := int(binary.LittleEndian.Uint32(b[4:]))
	if n < 1 || 8+n > len(b) {
		return ""
	}
	return string(b[8 : 8+n-1])
}

// TestDiscoveryPeerProcess is not a test: TestDiscoveryAtTheWire runs the test binary twice with
// this test selected, as two processes with the same environment, which talk on one topic. Each
// publishes "<role> <heard>" every 50 ms, where heard says whether it has heard the other; when
// it hears the other say it has heard too, both directions work and it lingers for the other to
// learn the same, then prints "RESULT connected"; at the deadline it prints "RESULT isolated".
func TestDiscoveryPeerProcess(t *testing.T) {
	role := os.Getenv("SSMDE_DISCO_ROLE")
	if role == "" {
		return // not run on its own: the helper process of TestDiscoveryAtTheWire
	}
	dom, _ := strconv.Atoi(os.Getenv("SSMDE_DISCO_DOMAIN"))
	wait, _ := time.ParseDuration(os.Getenv("SSMDE_DISCO_WAIT"))
	n, err := NewNode(NodeOptions{Name: "disco_" + role, DomainID: &dom})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	pub, err := n.NewPublisher("/ssmde_discovery_test", "std_msgs/msg/String", QoSDefault)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	heard, heardBack := false, false
	if _, err := n.Subscribe("/ssmde_discovery_test", "std_msgs/msg/String", QoSDefault, func(data []byte, _ SampleInfo) {
		other, h, _ := strings.Cut(cdrString(data), " ")
		if other == role {
			return
		}
		mu.Lock()
		heard = true
		heardBack = heardBack || h == "true"
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	var done time.Time
	for time.Now().Before(deadline) {
		mu.Lock()
		h, hb := heard, heardBack
		mu.Unlock()
		if hb && done.IsZero() {
			done = time.Now()
		}
		if !done.IsZero() && time.Since(done) > 500*time.Millisecond {
			break
		}
		if err := pub.PublishRaw(stringCDR(fmt.Sprintf("%s %v", role, h))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if done.IsZero() {
		fmt.Println("RESULT isolated")
	} else {
		fmt.Println("RESULT connected")
	}
}

// cycloneTraceConfig reads the "config:" lines Cyclone's Tracing/Category config writes: the
// value of every setting and, in braces, which configuration fragment set it ({0} the first,
// {} the default).
func cycloneTraceConfig(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	re := regexp.MustCompile(`config: Domain/(.*)$`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		t.Fatalf("no config lines in the Cyclone trace %s", path)
	}
	return out
}

// TestDiscoveryAtTheWire: two processes of ours with the same ROS 2 discovery variables meet, or
// do not, over the network as rmw_cyclonedds nodes with those variables would; each one's Cyclone
// trace shows the configuration its domain got and which fragment set it ({0}: ours, {1}: the
// user's CYCLONEDDS_URI).
func TestDiscoveryAtTheWire(t *testing.T) {
	const userNoMulticast = "<CycloneDDS><Domain><General><AllowMulticast>false</AllowMulticast></General></Domain></CycloneDDS>"
	for _, tc := range []struct {
		name      string
		env       []string
		userURI   string
		connected bool
		has, not  []string // trace config lines expected and not expected
	}{
		{name: "default subnet", connected: true,
			has: []string{"General/AllowMulticast/#text: default {}", "Discovery/ParticipantIndex/#text: auto {0}"},
			not: []string{"Discovery/Peers/Peer"}},
		{name: "localhost", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"}, connected: true,
			has: []string{"General/AllowMulticast/#text: false {0}", "Discovery/Peers/Peer[@Address]: localhost {0}",
				"Discovery/ParticipantIndex/#text: auto {0}", "Discovery/MaxAutoParticipantIndex/#text: 32 {0}"}},
		{name: "localhost only, deprecated", env: []string{"ROS_LOCALHOST_ONLY", "1", "ROS_DISTRO", "jazzy"}, connected: true,
			has: []string{"General/AllowMulticast/#text: false {0}", "Discovery/Peers/Peer[@Address]: localhost {0}"}},
		{name: "off, even with a static peer", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "OFF", "ROS_STATIC_PEERS", "127.0.0.1"}, connected: false,
			has: []string{"General/AllowMulticast/#text: false {0}", "Discovery/ParticipantIndex/#text: none {0}", "Discovery/Tag/#text: ros_discovery_off_"},
			not: []string{"Discovery/Peers/Peer"}},
		// The user's CYCLONEDDS_URI turns multicast off and keeps it off (it comes after ours):
		// without a static peer nothing is found, with ROS_STATIC_PEERS the peer is.
		{name: "user config without peers", userURI: userNoMulticast, connected: false,
			has: []string{"General/AllowMulticast/#text: false {1}"}, not: []string{"Discovery/Peers/Peer"}},
		{name: "static peer", env: []string{"ROS_STATIC_PEERS", "127.0.0.1"}, userURI: userNoMulticast, connected: true,
			has: []string{"General/AllowMulticast/#text: false {1}", "Discovery/Peers/Peer[@Address]: 127.0.0.1 {0}"}},
		// The user's settings override ours (set by both, {0,1}: the later one wins) and their peers
		// join ours.
		{name: "user config merged", env: []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST"},
			userURI:   "<CycloneDDS><Domain><Discovery><MaxAutoParticipantIndex>40</MaxAutoParticipantIndex><Peers><Peer address=\"127.0.0.3\"/></Peers></Discovery></Domain></CycloneDDS>",
			connected: true,
			has: []string{"General/AllowMulticast/#text: false {0}", "Discovery/MaxAutoParticipantIndex/#text: 40 {0,1}",
				"Discovery/Peers/Peer[@Address]: localhost {0}", "Discovery/Peers/Peer[@Address]: 127.0.0.3 {1}"}},
		{name: "humble localhost only", env: []string{"ROS_DISTRO", "humble", "ROS_LOCALHOST_ONLY", "1"}, connected: true,
			has: []string{"General/Interfaces/NetworkInterface[@address]: 127.0.0.1 {0}", "General/AllowMulticast/#text: default {}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dom := testDomain()
			dir := t.TempDir()
			wait := "10s"
			if !tc.connected {
				wait = "3s"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			type result struct {
				out []byte
				err error
			}
			results := make([]chan result, 2)
			for i, role := range []string{"a", "b"} {
				uri := "<Tracing><Category>config</Category><OutputFile>" + filepath.Join(dir, role+".log") + "</OutputFile></Tracing>"
				if tc.userURI != "" {
					uri = tc.userURI + "," + uri
				}
				cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDiscoveryPeerProcess$", "-test.count=1", "-test.v")
				cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
					for _, v := range []string{"ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_STATIC_PEERS", "ROS_LOCALHOST_ONLY", "ROS_DISTRO", "CYCLONEDDS_URI", "ROS_DOMAIN_ID"} {
						if strings.HasPrefix(kv, v+"=") {
							return true
						}
					}
					return false
				})
				cmd.Env = append(cmd.Env, "SSMDE_DISCO_ROLE="+role, "SSMDE_DISCO_DOMAIN="+strconv.Itoa(*dom), "SSMDE_DISCO_WAIT="+wait, "CYCLONEDDS_URI="+uri)
				for j := 0; j+1 < len(tc.env); j += 2 {
					cmd.Env = append(cmd.Env, tc.env[j]+"="+tc.env[j+1])
				}
				results[i] = make(chan result, 1)
				go func() {
					out, err := cmd.CombinedOutput()
					results[i] <- result{out, err}
				}()
			}
			want := "RESULT isolated"
			if tc.connected {
				want = "RESULT connected"
			}
			for i, role := range []string{"a", "b"} {
				r := <-results[i]
				if r.err != nil {
					t.Fatalf("process %s: %v\n%s", role, r.err, r.out)
				}
				if !bytes.Contains(r.out, []byte(want)) {
					t.Errorf("process %s: want %q\n%s", role, want, r.out)
				}
				if !bytes.Contains(r.out, []byte("DDS discovery")) {
					t.Errorf("process %s logged no discovery line:\n%s", role, r.out)
				}
				cfg := cycloneTraceConfig(t, filepath.Join(dir, role+".log"))
				for _, h := range tc.has {
					if !slices.ContainsFunc(cfg, func(l string) bool { return strings.HasPrefix(l, h) }) {
						t.Errorf("process %s: the trace has no %q:\n%s", role, h, strings.Join(cfg, "\n"))
					}
				}
				for _, h := range tc.not {
					if i := slices.IndexFunc(cfg, func(l string) bool { return strings.HasPrefix(l, h) }); i >= 0 {
						t.Errorf("process %s: the trace has %q", role, cfg[i])
					}
				}
			}
		})
	}
}
