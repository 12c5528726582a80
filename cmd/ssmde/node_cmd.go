package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/ssmde/ssmde/internal/suggest"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node"
	"github.com/ssmde/ssmde/node/ros2"
)

// runNode runs the depth node over ROS 2 (Cyclone DDS) until SIGINT or SIGTERM.
//
//	ssmde node --ros-args -r __ns:=/front -p scale_mode:=camera_height --params-file p.yaml
func runNode(args []string, stdout, stderr io.Writer) error {
	rosArgs, rest, err := ros2.ParseArgs(args)
	if err != nil {
		return err
	}
	f, done, err := parseNodeFlags("node", "[--ros-args ...]", "ROS arguments go after --ros-args", rest, stdout, stderr)
	if done || err != nil {
		return err
	}
	names, err := ros2.NewNames(f.name, f.namespace, rosArgs.Remaps)
	if err != nil {
		return err
	}
	logger, rosout := nodeLogger(rosArgs, names.LoggerName(), stderr)
	for _, note := range rosArgs.Notes {
		logger.Info(note)
	}
	// Signals are caught from the start: model loading (a TensorRT engine build) can take minutes,
	// and Ctrl-C then must still close the DDS participant cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rn, err := ros2.NewNode(ros2.NodeOptions{Name: f.name, Namespace: f.namespace, Args: rosArgs, Logger: logger})
	if err != nil {
		return err
	}
	defer rn.Close() // it stops rosout first, publishing what is queued
	if rosout != nil {
		if err := rosout.Attach(rn); err != nil {
			return err
		}
	}
	params, err := nodeParams(rn.Params(), rn.ParamOrigin, logger)
	if err != nil {
		return err
	}
	t := &ros2Transport{n: rn}
	var eps []ros2.OverridableEndpoint
	for _, e := range params.Endpoints() {
		eps = append(eps, ros2.OverridableEndpoint{Topic: e.Topic, Publisher: e.Publisher, QoS: t.qos(e.QoS)})
	}
	if t.overrides, err = rn.QoSOverrides(eps); err != nil {
		return err
	}
	err = runDepthNode(ctx, rn.FullyQualifiedName(), params, t, logger, func(n *node.Node) error {
		if _, err := serveParameters(rn, params, t.overrides, n); err != nil {
			return fmt.Errorf("parameter services: %w", err)
		}
		logger.Info("ssmde node running", "node", rn.FullyQualifiedName(), "domain", rn.DomainID(), "model", n.Model().String(),
			"sim_time", rn.Clock().SimTime())
		return nil
	})
	if err == nil {
		logger.Info("shutting down")
	}
	return err
}

// nodeFlags are the flags both node commands (ROS 2 and ROS 1) take besides the ROS arguments.
type nodeFlags struct{ name, namespace string }

// parseNodeFlags parses them; done is true when --help-params printed the table.
func parseNodeFlags(cmd, synopsis, hint string, rest []string, stdout, stderr io.Writer) (f nodeFlags, done bool, err error) {
	fs := newFlagSet(cmd, "[--name NAME] [--namespace NS] [--help-params] "+synopsis, stderr)
	fs.StringVar(&f.name, "name", "ssmde", "node name (before the ROS node-name remapping)")
	fs.StringVar(&f.namespace, "namespace", "", "node namespace (before the ROS namespace remapping)")
	helpParams := fs.Bool("help-params", false, "print the parameter table and exit")
	if err := parseFlags(fs, rest); err != nil {
		return f, false, err
	}
	if *helpParams {
		fmt.Fprint(stdout, node.ParamTable())
		return f, true, nil
	}
	if fs.NArg() != 0 {
		return f, false, fmt.Errorf("unexpected arguments %q (%s)", fs.Args(), hint)
	}
	return f, false, nil
}

// runDepthNode opens the model, starts the node on t and runs it until ctx ends. A signal that
// arrives while the model loads (a TensorRT engine build can take minutes) ends it cleanly.
func runDepthNode(ctx context.Context, fqn string, params node.Params, t node.Transport, logger *slog.Logger, running func(*node.Node) error) error {
	n, err := node.New(fqn, params, t, logger)
	if err != nil {
		return err
	}
	defer n.Close()
	if ctx.Err() != nil {
		logger.Info("signal during start-up")
		return nil
	}
	if err := n.Start(); err != nil {
		return err
	}
	if err := running(n); err != nil {
		return err
	}
	return n.Run(ctx)
}

// nodeParams applies ROS parameters over the defaults; a bad value is an error. origin says where
// a name was set ("-p", "params file PATH"); with it (ROS 2) an unknown name is an error naming
// that place and the parameter it most likely meant, since a typo would otherwise run the node on
// a default nobody chose. Without it (ROS 1, whose private namespace the parameter server may
// fill with other keys) unknown names are warned about, with the same suggestion.
func nodeParams(values map[string]any, origin func(string) string, log *slog.Logger) (node.Params, error) {
	p := node.DefaultParams()
	known := map[string]bool{}
	for _, n := range node.ParamNames() {
		known[n] = true
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names) // errors and warnings come out the same every run
	var unknown []string
	for _, k := range names {
		if origin != nil && strings.HasPrefix(k, ros2.QoSOverridesPrefix) {
			continue // ROS 2's QoS overrides: checked against the node's endpoints (ros2.Node.QoSOverrides)
		}
		if !known[k] {
			if origin != nil {
				return p, fmt.Errorf("parameter %q (%s) unknown%s; the node's parameters: %s (ssmde node --help-params explains them)",
					k, origin(k), suggest.DidYouMean(k, node.ParamNames()), strings.Join(node.ParamNames(), ", "))
			}
			unknown = append(unknown, k+suggest.DidYouMean(k, node.ParamNames()))
			continue
		}
		if err := p.Set(k, toParamValue(values[k])); err != nil {
			if origin != nil {
				return p, fmt.Errorf("%w (%s)", err, origin(k))
			}
			return p, err
		}
	}
	if len(unknown) > 0 {
		log.Warn("ignoring unknown parameters", "names", strings.Join(unknown, ","), "known", strings.Join(node.ParamNames(), ","))
	}
	return p, p.Validate()
}

// serveParameters serves the node's parameters (`ros2 param list/get/set/dump`): runtime ones are
// handed to the running node, which takes them from its next frame; the others, and the QoS
// overrides, are read-only.
func serveParameters(rn *ros2.Node, params node.Params, overrides *ros2.QoSOverrides, n *node.Node) (*ros2.ParameterServer, error) {
	values, descs := params.ROSParameters()
	qv, qd := overrides.Parameters()
	values, descs = append(values, qv...), append(descs, qd...)
	return rn.ServeParameters(values, descs, func(changes []msgs.Parameter) error {
		m := make(map[string]any, len(changes))
		for i := range changes {
			m[changes[i].Name] = changes[i].Value.Value()
		}
		return n.Reconfigure(m)
	})
}

// toParamValue maps ROS parameter values (int64, []float64, ...) onto what node.Params.Set takes.
func toParamValue(v any) any {
	switch x := v.(type) {
	case int64:
		return int(x)
	case []float64:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = f
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = float64(f)
		}
		return out
	}
	return v
}

// nodeLogger is the ROS 2 node's logger, as rcl sets up a node's logging: records at the
// --log-level (the one for loggerName when --log-level NAME:=LEVEL names it; SSMDE_LOG's when
// unset) go to stderr unless --disable-stdout-logs, and to /rosout through the returned Rosout
// unless --disable-rosout-logs (nil then). It also becomes slog's default, so that nothing in the
// process logs around it.
func nodeLogger(a *ros2.Args, loggerName string, stderr io.Writer) (*slog.Logger, *ros2.Rosout) {
	level := new(slog.LevelVar)
	level.Set(logLevel())
	if l, ok := ros2.ParseLogLevel(a.LogLevel); ok {
		level.Set(l)
	}
	if l, ok := ros2.ParseLogLevel(a.LoggerLevels[loggerName]); ok {
		level.Set(l)
	}
	var handlers []slog.Handler
	var console *slog.Logger
	if !a.NoStdoutLogs {
		h := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
		handlers, console = append(handlers, h), slog.New(h)
	}
	var rosout *ros2.Rosout
	if !a.NoRosoutLogs {
		rosout = ros2.NewRosout(level, console) // its own trouble goes to the console only
		handlers = append(handlers, rosout.Handler())
	}
	logger := slog.New(slog.NewMultiHandler(handlers...))
	slog.SetDefault(logger)
	return logger, rosout
}

// ros2Transport adapts a ros2.Node to the node's Transport; overrides (the qos_overrides
// parameters) change the QoS the node asks for.
type ros2Transport struct {
	n         *ros2.Node
	overrides *ros2.QoSOverrides
}

func (t *ros2Transport) qos(q node.QoS) ros2.QoS {
	out := ros2.QoS{Reliability: ros2.BestEffort, Durability: ros2.Volatile, Depth: q.Depth}
	if q.Reliable {
		out.Reliability = ros2.Reliable
	}
	if q.TransientLocal {
		out.Durability = ros2.TransientLocal
	}
	return out
}

func (t *ros2Transport) Subscribe(topic, msgType string, q node.QoS, handle func([]byte)) error {
	_, err := t.n.Subscribe(topic, msgType, t.overrides.QoS(topic, false, t.qos(q)), func(data []byte, _ ros2.SampleInfo) { handle(data) })
	return err
}

func (t *ros2Transport) SubscribeInto(topic, msgType string, q node.QoS, put func(size int, fill func(dst []byte))) error {
	_, err := t.n.SubscribeInto(topic, msgType, t.overrides.QoS(topic, false, t.qos(q)), put)
	return err
}

func (t *ros2Transport) Advertise(topic, msgType string, q node.QoS) (node.Publisher, error) {
	p, err := t.n.NewPublisher(topic, msgType, t.overrides.QoS(topic, true, t.qos(q)))
	if err != nil {
		return nil, err
	}
	return ros2Publisher{p}, nil
}

func (t *ros2Transport) Decode(data []byte, m msgs.Message) error { return m.UnmarshalCDR(data) }
func (t *ros2Transport) Now() msgs.Time                           { return t.n.Clock().Now() }
func (t *ros2Transport) Close() error                             { return t.n.Close() }

type ros2Publisher struct{ p *ros2.Publisher }

func (p ros2Publisher) Publish(m msgs.Message) error { return p.p.Publish(m) }
func (p ros2Publisher) Subscribers() int {
	n, err := p.p.MatchedSubscriptions()
	if err != nil {
		return 0
	}
	return n
}
