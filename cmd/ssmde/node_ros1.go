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

// runNodeROS1 runs the depth node over ROS 1 (goroslib) until SIGINT or SIGTERM, or until the
// master shuts it down.
//
//	ssmde node1 __ns:=/camera image:=image_raw _model:=models/default _scale_mode:=camera_height
func runNodeROS1(args []string, stdout, stderr io.Writer) error {
	rosArgs, rest, err := ros1.ParseArgs(args)
	if err != nil {
		return err
	}
	f, done, err := parseNodeFlags("node1", "[from:=to] [_param:=value] [__name:=NAME] [__ns:=NS]", "ROS 1 arguments are NAME:=VALUE", rest, stdout, stderr)
	if done || err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rn, err := ros1.NewNode(ctx, ros1.NodeOptions{Name: f.name, Namespace: f.namespace, Args: rosArgs, Logger: logger})
	if err != nil {
		return err
	}
	defer rn.Close()
	params, err := nodeParams(rn.Params(), nil, logger)
	if err != nil {
		return err
	}
	// The master can shut the node down (a second node of the same name): that ends the run too.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-rn.Done():
			cancel()
		case <-runCtx.Done():
		}
	}()
	err = runDepthNode(runCtx, rn.FullyQualifiedName(), params, &ros1Transport{n: rn}, logger, func(n *node.Node) error {
		logger.Info("ssmde node running (ROS 1)", "node", rn.FullyQualifiedName(), "master", rn.MasterURI(),
			"model", n.Model().String(), "sim_time", rn.Clock().SimTime(), "remaps", rn.Names().Remaps())
		return nil
	})
	if err != nil {
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
