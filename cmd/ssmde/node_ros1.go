package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node"
	"github.com/ssmde/ssmde/node/ros1"
)

// `ssmde node1` is the depth node over ROS 1. It is its own command rather than a flag of
// `node` because the two command lines share nothing: ROS 2 takes `--ros-args -r/-p ...`,
// ROS 1 bare `from:=to`, `_param:=value`, `__name:=`, which rosrun and roslaunch append after
// whatever the launch gives. `rosrun ssmde ssmde __name:=x _param:=v` (ROS 1 arguments and no
// command) also lands here: see run in main.go.
func init() {
	commands["node1"] = command{"run the depth node over ROS 1 (rosrun ssmde ssmde __name:=ssmde _param:=value ...)", runNodeROS1}
}

// runNodeROS1 runs the depth node over ROS 1 (goroslib) until SIGINT or SIGTERM, or until the
// master shuts it down.
//
//	ssmde node1 __ns:=/camera image:=image_raw _model:=models/default _scale_mode:=camera_height
func runNodeROS1(args []string, stdout, stderr io.Writer) error {
	rosArgs, rest, err := ros1.ParseArgs(args)
	if err != nil {
		return err
	}
	fs := newFlagSet("node1", "[--name NAME] [--namespace NS] [--help-params] [from:=to] [_param:=value] [__name:=NAME] [__ns:=NS]", stderr)
	name := fs.String("name", "ssmde", "node name (before __name:=)")
	namespace := fs.String("namespace", "", "node namespace (before __ns:= and ROS_NAMESPACE)")
	helpParams := fs.Bool("help-params", false, "print the parameter table and exit")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if *helpParams {
		fmt.Fprint(stdout, node.ParamTable())
		return nil
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q (ROS 1 arguments are NAME:=VALUE)", fs.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rn, err := ros1.NewNode(ctx, ros1.NodeOptions{Name: *name, Namespace: *namespace, Args: rosArgs, Logger: logger})
	if err != nil {
		return err
	}
	defer rn.Close()
	params, err := nodeParams(rn.Params(), logger)
	if err != nil {
		return err
	}
	t := &ros1Transport{n: rn}
	n, err := node.New(rn.FullyQualifiedName(), params, t, logger)
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.Start(); err != nil {
		return err
	}
	logger.Info("ssmde node running (ROS 1)", "node", rn.FullyQualifiedName(), "master", rn.MasterURI(),
		"model", n.Model().String(), "sim_time", rn.Clock().SimTime(), "remaps", rn.Names().Remaps())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-rn.Done():
			cancel()
		case <-runCtx.Done():
		}
	}()
	if err := n.Run(runCtx); err != nil {
		return err
	}
	if err := rn.Err(); err != nil {
		if errors.Is(err, ros1.ErrShutdown) {
			return fmt.Errorf("%w (another node named %s started, or rosnode kill)", err, rn.FullyQualifiedName())
		}
		return err
	}
	logger.Info("shutting down")
	return nil
}

// ros1Transport adapts a ros1.Node to the node's Transport. QoS maps onto ROS 1 as far as it
// can: Depth is the subscriber queue, TransientLocal is a latched publisher; reliability has no
// ROS 1 meaning (TCPROS is always reliable).
type ros1Transport struct{ n *ros1.Node }

func (t *ros1Transport) Subscribe(topic, msgType string, q node.QoS, handle func([]byte)) error {
	_, err := t.n.Subscribe(topic, msgType, q.Depth, handle)
	return err
}

func (t *ros1Transport) Advertise(topic, msgType string, q node.QoS) (node.Publisher, error) {
	return t.n.NewPublisher(topic, msgType, q.TransientLocal)
}

func (t *ros1Transport) Decode(data []byte, m msgs.Message) error { return m.UnmarshalROS1(data) }
func (t *ros1Transport) Now() msgs.Time                           { return t.n.Clock().Now() }
func (t *ros1Transport) Close() error                             { return t.n.Close() }
