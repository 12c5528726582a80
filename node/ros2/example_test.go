package ros2_test

import (
	"fmt"

	"github.com/ssmde/ssmde/node/ros2"
)

// A launch file's command line: the program's own flags come back, ROS arguments rename the node,
// remap its input and set parameters.
func ExampleParseArgs() {
	args, rest, err := ros2.ParseArgs([]string{"node", "--model", "m.yaml",
		"--ros-args", "-r", "__node:=front_depth", "-r", "image:=/front/image_raw", "-p", "depth_encoding:=16UC1"})
	if err != nil {
		panic(err)
	}
	names, err := ros2.NewNames("ssmde", "/robot", args.Remaps)
	if err != nil {
		panic(err)
	}
	in, _ := names.Resolve("image")
	out, _ := names.Resolve("~/depth")
	params, _ := args.Parameters("ssmde", names.FullyQualifiedName())
	fmt.Println(rest)
	fmt.Println(names.FullyQualifiedName(), in, out, params["depth_encoding"])
	// Output:
	// [node --model m.yaml]
	// /robot/front_depth /front/image_raw /robot/front_depth/depth 16UC1
}
