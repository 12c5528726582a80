package ros1

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goroslib "github.com/bluenviron/goroslib/v2"

	"github.com/ssmde/ssmde/msgs"
)

// NodeOptions configure a Node.
type NodeOptions struct {
	Name      string // node name before __name (default "ssmde")
	Namespace string // namespace before __ns and ROS_NAMESPACE (default "/")
	Args      *Args  // parsed command-line ROS arguments (nil: none)
	Logger    *slog.Logger

	// WatchPeriod is how often the master is checked (liveness, restarts, subscriber counts).
	// Default 1 s.
	WatchPeriod time.Duration
	// MasterWaitLog is how often "waiting for the master" is logged while NewNode waits. Default 5 s.
	MasterWaitLog time.Duration
}

// Node is a ROS 1 node over goroslib. It registers with the master again when the master
// restarts (see doc.go), so its publishers and subscriptions outlive a roscore restart.
type Node struct {
	names  *Names
	log    *slog.Logger
	master *master
	host   string
	params map[string]any
	clock  *Clock
	period time.Duration

	mu        sync.Mutex // guards gn, pubs, subs, registration
	gn        *goroslib.Node
	pubs      []*Publisher
	subs      []*Subscription
	masterPid int64
	slaveURI  string // this node's slave API URI as the master has it
	clockSub  *goroslib.Subscriber

	subCounts atomic.Pointer[map[string]int] // topic → subscribers other than this node

	done     chan struct{} // closed when the master shut the node down, or on Close
	doneOnce sync.Once
	doneErr  error
	closing  chan struct{}
	watchWG  sync.WaitGroup
	closed   bool
}

// ErrShutdown is the error of a node that the master (or `rosnode kill`) told to shut down.
var ErrShutdown = errors.New("shut down by the ROS master")

// NewNode connects to the master, waiting for it (as roscpp does) until ctx is done, reads the
// node's private parameters, and starts watching the master.
func NewNode(ctx context.Context, o NodeOptions) (*Node, error) {
	if o.Name == "" {
		o.Name = "ssmde"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WatchPeriod <= 0 {
		o.WatchPeriod = time.Second
	}
	if o.MasterWaitLog <= 0 {
		o.MasterWaitLog = 5 * time.Second
	}
	names, err := NewNames(o.Name, o.Namespace, o.Args)
	if err != nil {
		return nil, err
	}
	m, err := newMaster(o.Args.MasterURI(), names.FullyQualifiedName())
	if err != nil {
		return nil, err
	}
	n := &Node{names: names, log: o.Logger, master: m, host: o.Args.Host(), clock: &Clock{},
		period: o.WatchPeriod, done: make(chan struct{}), closing: make(chan struct{})}
	empty := map[string]int{}
	n.subCounts.Store(&empty)

	// Wait for the master.
	lastLog := time.Time{}
	for {
		pid, err := m.getPid(ctx)
		if err == nil {
			n.masterPid = pid
			break
		}
		if time.Since(lastLog) >= o.MasterWaitLog {
			n.log.Warn("waiting for the ROS master", "master", m.uri, "err", err)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no ROS master at %s: %w", m.uri, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := n.readParams(ctx, o.Args); err != nil {
		return nil, err
	}
	n.mu.Lock()
	err = n.connectLocked()
	if err != nil && n.gn != nil {
		n.gn.Close()
	}
	n.mu.Unlock()
	if err != nil {
		return nil, err
	}
	n.watchWG.Add(1)
	go n.watch()
	return n, nil
}

// Name is the node's base name; Namespace its namespace; FullyQualifiedName "/ns/name".
func (n *Node) Name() string               { return n.names.Node }
func (n *Node) Namespace() string          { return n.names.Namespace }
func (n *Node) FullyQualifiedName() string { return n.names.FullyQualifiedName() }

// MasterURI is the master the node talks to.
func (n *Node) MasterURI() string { return n.master.uri }

// Names gives the node's name resolution.
func (n *Node) Names() *Names { return n.names }

// ResolveTopic resolves a topic name against the node, with remapping.
func (n *Node) ResolveTopic(topic string) (string, error) { return n.names.Resolve(topic) }

// Params are the node's private parameters (~name): what the parameter server held under the
// node's namespace when it started (roslaunch's <param> and <rosparam>), overridden by
// `_name:=value` arguments. Nested namespaces come as "a.b" keys.
func (n *Node) Params() map[string]any { return n.params }

// Clock is the node's ROS time.
func (n *Node) Clock() *Clock { return n.clock }

// Done is closed when the node stops: Close, or the master told it to shut down (Err says).
func (n *Node) Done() <-chan struct{} { return n.done }

// Err says why Done was closed (nil after Close).
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.doneErr
	default:
		return nil
	}
}

func (n *Node) finish(err error) {
	n.doneOnce.Do(func() {
		n.doneErr = err
		close(n.done)
	})
}

// readParams fetches ~ from the parameter server, applies `_name:=value` over it and writes
// those back (as roscpp does, so `rosparam get` shows what the node runs with). Sim time is on
// when ~use_sim_time or the global /use_sim_time is true.
func (n *Node) readParams(ctx context.Context, a *Args) error {
	n.params = map[string]any{}
	priv := n.names.PrivateNamespace()
	v, ok, err := n.master.getParam(ctx, priv)
	if err != nil {
		return fmt.Errorf("reading parameters %s: %w", priv, err)
	}
	if ok {
		if dict, isDict := v.(map[string]any); isDict {
			flatten("", dict, n.params)
		}
	}
	if a != nil {
		keys := make([]string, 0, len(a.Params))
		for k := range a.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.params[k] = a.Params[k]
			if err := n.master.setParam(ctx, join(priv, k), a.Params[k]); err != nil {
				n.log.Warn("could not set parameter on the server", "name", join(priv, k), "err", err)
			}
		}
	}
	sim, _ := n.params["use_sim_time"].(bool)
	if g, ok, err := n.master.getParam(ctx, "/use_sim_time"); err == nil && ok {
		if b, isBool := g.(bool); isBool && b {
			sim = true
		}
	}
	n.clock.sim = sim
	return nil
}

func flatten(prefix string, dict map[string]any, out map[string]any) {
	for k, v := range dict {
		if sub, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = v
	}
}

// connectLocked creates the goroslib node and (re)creates every publisher and subscription on
// it. n.mu is held.
func (n *Node) connectLocked() error {
	gn, err := newGoroslibNode(goroslib.NodeConf{
		MasterAddress:   n.master.hostPort(),
		Namespace:       n.names.Namespace,
		Name:            n.names.Node,
		Host:            n.host,
		LogLevel:        goroslib.LogLevelInfo,
		LogDestinations: goroslib.LogDestinationCallback | goroslib.LogDestinationRosout,
		OnLog:           n.onGoroslibLog,
	})
	if err != nil {
		return fmt.Errorf("ROS 1 node %s at master %s: %w", n.FullyQualifiedName(), n.master.uri, err)
	}
	n.gn = gn
	// goroslib does not say at which URI it registered (it did, for /rosout): ask the master.
	uri, ok, err := n.master.lookupNode(context.Background(), n.FullyQualifiedName())
	if err != nil || !ok {
		return fmt.Errorf("ROS master %s does not list %s after registering it: %v", n.master.uri, n.FullyQualifiedName(), err)
	}
	n.slaveURI = uri
	for _, p := range n.pubs {
		if err := p.connectLocked(gn); err != nil {
			return err
		}
	}
	for _, s := range n.subs {
		if err := s.connectLocked(gn); err != nil {
			return err
		}
	}
	// Sim time: goroslib subscribes /clock itself when /use_sim_time is set globally (and offers
	// TimeNow); for ~use_sim_time alone this node subscribes it.
	n.clockSub = nil
	global := false
	if g, ok, err := n.master.getParam(context.Background(), "/use_sim_time"); err == nil && ok {
		global, _ = g.(bool)
	}
	n.clock.setSource(gn, global)
	if n.clock.sim && !global {
		w, err := lookupWireType("rosgraph_msgs/Clock")
		if err != nil {
			return err
		}
		n.clockSub, err = goroslib.NewSubscriber(goroslib.SubscriberConf{Node: gn, Topic: "/clock", QueueSize: 1,
			Callback: w.callback(n.clock.onClock)})
		if err != nil {
			return fmt.Errorf("subscribing /clock: %w", err)
		}
	}
	return nil
}

var envMu sync.Mutex

// newGoroslibNode is goroslib.NewNode with ROS_NAMESPACE cleared while it runs: goroslib lets
// that variable override NodeConf.Namespace and refuses the trailing slash roslaunch puts in it,
// while NodeConf.Namespace holds what __ns and ROS_NAMESPACE resolved to already.
func newGoroslibNode(conf goroslib.NodeConf) (*goroslib.Node, error) {
	envMu.Lock()
	defer envMu.Unlock()
	if old, set := os.LookupEnv("ROS_NAMESPACE"); set {
		os.Unsetenv("ROS_NAMESPACE")
		defer os.Setenv("ROS_NAMESPACE", old)
	}
	return goroslib.NewNode(conf)
}

func (n *Node) onGoroslibLog(level goroslib.LogLevel, msg string) {
	if strings.HasPrefix(msg, "got shutdown request") {
		// The master (a node of the same name started, or `rosnode kill`) ends this node; goroslib
		// has cancelled its node already.
		n.finish(fmt.Errorf("%w: %s", ErrShutdown, strings.TrimPrefix(msg, "got shutdown request ")))
	}
	switch level {
	case goroslib.LogLevelDebug:
		n.log.Debug("goroslib: " + msg)
	case goroslib.LogLevelInfo:
		n.log.Info("goroslib: " + msg)
	default:
		// goroslib reports a peer going away ("subscriber ... got an error: EOF") as an error;
		// in ROS 1 that is routine, so nothing of goroslib's is logged above a warning.
		n.log.Warn("goroslib: " + msg)
	}
}

// watch checks the master every period: it notices the master going away, and a master that
// restarted (a new pid, or this node unknown to it), and then registers everything again; a
// master that lists another node under this node's name ends this node.
// It also refreshes the subscriber counts behind Publisher.Subscribers.
func (n *Node) watch() {
	defer n.watchWG.Done()
	tick := time.NewTicker(n.period)
	defer tick.Stop()
	down := false
	for {
		select {
		case <-n.closing:
			return
		case <-n.done:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		pid, err := n.master.getPid(ctx)
		var state *systemState
		var uri string
		var known bool
		if err == nil {
			uri, known, err = n.master.lookupNode(ctx, n.FullyQualifiedName())
		}
		if err == nil {
			state, err = n.master.getSystemState(ctx)
		}
		cancel()
		if err != nil {
			if !down {
				n.log.Warn("ROS master unreachable; connected subscribers still get messages; registering again when it is back",
					"master", n.master.uri, "err", err)
				down = true
			}
			continue
		}
		n.mu.Lock()
		restarted := pid != n.masterPid || !known
		takenOver := !restarted && uri != n.slaveURI
		n.mu.Unlock()
		select {
		case <-n.done:
			return
		default:
		}
		switch {
		case takenOver:
			// Another node registered under this name; the master is shutting this one down
			// (goroslib's log of that request may not have come yet).
			n.finish(fmt.Errorf("%w: another node registered as %s (%s)", ErrShutdown, n.FullyQualifiedName(), uri))
			return
		case restarted:
			n.log.Warn("ROS master restarted; registering again", "master", n.master.uri, "pid", pid, "was", n.masterPid)
			if err := n.reconnect(pid); err != nil {
				n.log.Error("registering with the restarted ROS master failed; retrying", "err", err)
				continue
			}
			n.log.Info("registered with the ROS master again", "master", n.master.uri)
		case down:
			n.log.Info("ROS master reachable again", "master", n.master.uri)
		}
		down = false
		n.storeCounts(state)
	}
}

func (n *Node) storeCounts(s *systemState) {
	me := n.FullyQualifiedName()
	counts := map[string]int{}
	for topic, nodes := range s.Subscribers {
		for _, x := range nodes {
			if x != me {
				counts[topic]++
			}
		}
	}
	n.subCounts.Store(&counts)
}

// reconnect replaces the goroslib node: goroslib registers only when a publisher or subscriber
// is created, so a new master learns of this node only from new ones.
func (n *Node) reconnect(pid int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	old := n.gn
	n.gn = nil
	if old != nil {
		old.Close() // also unregisters from the new master what it never had: harmless
	}
	n.masterPid = pid
	if err := n.connectLocked(); err != nil {
		if n.gn != nil {
			n.gn.Close()
			n.gn = nil
		}
		n.masterPid = -1 // try again at the next tick
		return err
	}
	return nil
}

// Close unregisters from the master and stops everything. No callback runs after it returns.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	close(n.closing)
	n.mu.Unlock()
	n.watchWG.Wait()
	n.mu.Lock()
	if n.gn != nil {
		n.gn.Close()
		n.gn = nil
	}
	n.mu.Unlock()
	n.finish(nil)
	return nil
}

// Publisher publishes msgs messages on one topic.
type Publisher struct {
	n     *Node
	topic string
	w     *wireType
	latch bool

	mu   sync.Mutex
	gp   *goroslib.Publisher
	last any // the last latched message, sent again after a reconnect
	buf  []byte
}

// NewPublisher advertises a topic (resolved against the node) of a msgs type, ROS 2 or ROS 1
// name. latch keeps the last message for late subscribers (ROS 1's transient local).
func (n *Node) NewPublisher(topic, msgType string, latch bool) (*Publisher, error) {
	w, err := lookupWireType(msgType)
	if err != nil {
		return nil, err
	}
	full, err := n.names.Resolve(topic)
	if err != nil {
		return nil, err
	}
	p := &Publisher{n: n, topic: full, w: w, latch: latch}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gn == nil {
		return nil, errors.New("ROS 1 node closed or not registered")
	}
	if err := p.connectLocked(n.gn); err != nil {
		return nil, err
	}
	n.pubs = append(n.pubs, p)
	return p, nil
}

func (p *Publisher) connectLocked(gn *goroslib.Node) error {
	gp, err := goroslib.NewPublisher(goroslib.PublisherConf{Node: gn, Topic: p.topic, Msg: p.w.newValue(), Latch: p.latch})
	if err != nil {
		return fmt.Errorf("advertising %s (%s): %w", p.topic, p.w.ros1Name, err)
	}
	p.mu.Lock()
	p.gp = gp
	last := p.last
	p.mu.Unlock()
	if last != nil {
		gp.Write(last)
	}
	return nil
}

// Topic is the resolved topic name.
func (p *Publisher) Topic() string { return p.topic }

// Publish sends m to every connected subscriber (messages are dropped for a subscriber whose
// connection is 64 messages behind, as goroslib does).
func (p *Publisher) Publish(m msgs.Message) error {
	p.mu.Lock()
	p.buf = marshalPrefixed(p.buf, m)
	v, err := p.w.fromBytes(p.buf)
	if err != nil {
		p.mu.Unlock()
		return fmt.Errorf("publishing %s on %s: %w", p.w.ros1Name, p.topic, err)
	}
	if p.latch {
		p.last = v
	}
	gp := p.gp
	p.mu.Unlock()
	gp.Write(v) // returns at once when gp has been closed by a reconnect
	return nil
}

// Subscribers is how many other nodes the master lists as subscribing the topic (refreshed
// every watch period).
func (p *Publisher) Subscribers() int { return (*p.n.subCounts.Load())[p.topic] }

// Subscription receives one topic as ROS 1 bytes.
type Subscription struct {
	topic  string
	w      *wireType
	queue  int
	handle func([]byte)
}

// Subscribe subscribes a topic (resolved against the node) of a msgs type; handle gets each
// message's ROS 1 serialization, valid during the call. queue is how many messages wait for a
// slow handle before newer ones are dropped.
func (n *Node) Subscribe(topic, msgType string, queue int, handle func([]byte)) (*Subscription, error) {
	w, err := lookupWireType(msgType)
	if err != nil {
		return nil, err
	}
	full, err := n.names.Resolve(topic)
	if err != nil {
		return nil, err
	}
	if queue < 1 {
		queue = 1
	}
	s := &Subscription{topic: full, w: w, queue: queue, handle: handle}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gn == nil {
		return nil, errors.New("ROS 1 node closed or not registered")
	}
	if err := s.connectLocked(n.gn); err != nil {
		return nil, err
	}
	n.subs = append(n.subs, s)
	return s, nil
}

func (s *Subscription) connectLocked(gn *goroslib.Node) error {
	// A new callback (and buffer) per goroslib node: the old node's dispatcher may still be
	// finishing a message while the new one starts.
	_, err := goroslib.NewSubscriber(goroslib.SubscriberConf{Node: gn, Topic: s.topic, Callback: s.w.callback(s.handle),
		QueueSize: uint(s.queue)})
	if err != nil {
		return fmt.Errorf("subscribing %s (%s): %w", s.topic, s.w.ros1Name, err)
	}
	return nil
}

// Topic is the resolved topic name.
func (s *Subscription) Topic() string { return s.topic }
