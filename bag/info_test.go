package bag

import (
	"strings"
	"testing"
	"time"
)

func TestWriteInfo(t *testing.T) {
	info := &Info{Files: []string{"drive.mcap"}, Size: 16896, Storage: StorageMCAP, Compression: "zstd",
		Start: 1_663_687_864_470_070_000, End: 1_663_687_874_468_000_000, MessageCount: 300,
		Topics: []TopicInfo{{"/camera/image_raw", "sensor_msgs/msg/Image", "cdr", 100}, {"/tf", "tf2_msgs/msg/TFMessage", "cdr", 200}}}
	var b strings.Builder
	if err := WriteInfo(&b, info, time.UTC); err != nil {
		t.Fatal(err)
	}
	want := `
Files:             drive.mcap
Bag size:          16.5 KiB
Storage id:        mcap
Compression:       zstd
Duration:          9.997930000s
Start:             Sep 20 2022 15:31:04.470070000 (1663687864.470070000)
End:               Sep 20 2022 15:31:14.468000000 (1663687874.468000000)
Messages:          300
Topic information: Topic: /camera/image_raw | Type: sensor_msgs/msg/Image  | Count: 100 | Serialization Format: cdr
                   Topic: /tf               | Type: tf2_msgs/msg/TFMessage | Count: 200 | Serialization Format: cdr

`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
