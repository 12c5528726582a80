package msgs

// Image is sensor_msgs/Image. Data holds Height rows of Step bytes each.
type Image struct {
	Header      Header
	Height      uint32
	Width       uint32
	Encoding    string
	IsBigEndian uint8
	Step        uint32
	Data        []byte
}

// CompressedImage is sensor_msgs/CompressedImage; Format is e.g. "jpeg" or "rgb8; png compressed bgr8".
type CompressedImage struct {
	Header Header
	Format string
	Data   []byte
}

// RegionOfInterest is sensor_msgs/RegionOfInterest.
type RegionOfInterest struct {
	XOffset   uint32
	YOffset   uint32
	Height    uint32
	Width     uint32
	DoRectify bool
}

// CameraInfo is sensor_msgs/CameraInfo.
type CameraInfo struct {
	Header          Header
	Height          uint32
	Width           uint32
	DistortionModel string
	D               []float64
	K               [9]float64
	R               [9]float64
	P               [12]float64
	BinningX        uint32
	BinningY        uint32
	ROI             RegionOfInterest
}

// PointField datatypes, as sensor_msgs/PointField defines them.
const (
	PointFieldInt8    uint8 = 1
	PointFieldUint8   uint8 = 2
	PointFieldInt16   uint8 = 3
	PointFieldUint16  uint8 = 4
	PointFieldInt32   uint8 = 5
	PointFieldUint32  uint8 = 6
	PointFieldFloat32 uint8 = 7
	PointFieldFloat64 uint8 = 8
)

// PointField is sensor_msgs/PointField.
type PointField struct {
	Name     string
	Offset   uint32
	Datatype uint8
	Count    uint32
}

// PointCloud2 is sensor_msgs/PointCloud2.
type PointCloud2 struct {
	Header      Header
	Height      uint32
	Width       uint32
	Fields      []PointField
	IsBigEndian bool
	PointStep   uint32
	RowStep     uint32
	Data        []byte
	IsDense     bool
}
