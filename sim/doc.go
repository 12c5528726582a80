// Package sim renders deterministic synthetic driving scenes with exact ground truth (depth, motion mask, pose),
// the signal SS-MDE learns from: a moving camera, a static world and objects that move on their own.
//
// # The world
//
// Everything is made of boxes and planes, rendered per pixel by intersecting the pixel's ray with each face's
// plane, so depth is exact to rounding (NaN where the sky is seen). The same seed gives the same bytes.
//
// The street world (the default) is a town street with constant curvature: lanes with worn markings,
// resurfaced patches, cracks and tyre polish in the asphalt, kerbs, paving and grass; side streets that cross
// it with zebra crossings and stop lines (CrossingSpacing); buildings with plaster, brick or panel façades,
// windows with frames and sills, shop fronts, doors, cornices and some set-back top storeys; trees with
// irregular crowns of several turned clumps, conifers, hedges, lamp posts and signs; parked and moving
// saloons, hatchbacks, SUVs, vans and trucks (lights, grille and number plate on their ends, wheels with
// rims); pedestrians with a torso, head, arms and legs that swing in step with their walking speed.
//
// Light: a directional sun placed by TimeOfDay and Heading (elevation 60°·sin(π(t−6)/12), at least 4°;
// azimuth east at 6 h, south at noon, west at 18 h), warmer and weaker near the horizon and under cloud,
// a sky (hemisphere) ambient, and Lambertian shading per face. The sun casts shadows of buildings, trees,
// poles, vehicles and people onto the ground (the convex hull of each box's corners projected along the
// sun), and vehicles darken the ground under them (ambient occlusion); shadows fall on the ground only, not
// on other objects. Exposure follows the light (the sunlit road is about equally bright at dusk). The sky is
// a gradient with the sun's disc and glow and procedural clouds (CloudCover). Fog (FogDensity) blends
// colour towards the fog colour by 1 − exp(−density·depth), the sky by its value at the draw distance. A wet
// road (WetRoad) is darker and reflects the sky, more at grazing angles and in puddles, with the sun's glint.
//
// Camera effects act on the image after the ground truth is final, never on depth, mask or pose: motion
// blur along the image motion of the camera's own translation during ExposureTime (depth-dependent; the sky
// stays sharp), rain streaks (Rain), vignetting, per-scene exposure (ExposureJitter) and white balance
// (WhiteBalance), the slow exposure drift (Exposure), Gaussian sensor noise (NoiseSigma) and optionally a
// JPEG round trip (JPEGQuality).
//
// The camera can sit at any height (CameraHeight) and be pitched and rolled (CameraPitch, CameraRoll); the
// ground stays the plane under a level rig, and the poses are rebased so that frame 0 is the identity (a
// tilted camera's world is its tilted frame 0). RandomizeCamera draws a square-pixel focal length per scene
// in [FocalMin, FocalMax] image widths and jitters the principal point by 2 %. Hills are not modelled: the
// ground is one plane, which keeps the ground truth and the camera-height scale recovery exact.
//
// # Randomization
//
// Config.Randomize draws per scene from the seed (a stream of its own, so the layout does not move) and
// overrides: TimeOfDay U[6.5, 18] h, Heading U[0, 360)°, CloudCover U[0, 1], FogDensity U[0, 0.006] 1/m
// (20 %: U[0.01, 0.05]); in the street: 20 % rain (Rain U[0.3, 1], WetRoad U[0.6, 1], CloudCover ≥ 0.8,
// FogDensity ≥ U[0.005, 0.02]), otherwise 15 % a wet road (U[0.3, 1]); CameraHeight U[0.3, 2.0] m,
// CameraPitch U[−3, 10]°, CameraRoll U[−3, 3]°, LaneWidth U[2.8, 4.0] m, Lanes 1..3, CrossingSpacing
// U[60, 250] m (20 %: none), MaxCurvature U[0, 1/200], Vehicles 0..20, Pedestrians 0..16, FollowFraction
// U[0, 0.5]; indoors: CameraHeight U[1.0, 1.7] m hand-held (40 %: U[0.3, 0.8] m, a small robot),
// CameraPitch U[−5, 20]°, CameraRoll U[−5, 5]°, Pedestrians 0..6, no fog; everywhere NoiseSigma U[0.5, 4],
// ExposureJitter 0.5 EV, WhiteBalance 0.1, Vignetting U[0, 0.45], ExposureTime U[0, 0.02] s, JPEGQuality
// 40..95 in half the scenes (else none), and RandomizeCamera (focal length U[FocalMin, FocalMax]·Width).
// The resolved Config (World.Config, scene.yaml) holds the drawn values.
//
// # The indoor world
//
// World "indoor" walks a hand-held camera (default 1.4 m; a robot's 0.3–0.8 m works too) at 0.5–1.2 m/s
// along a straight path that weaves gently (±0.2 m) through a row of rooms (4–8 m wide) and corridors
// (2–2.8 m): a floor plane (planks, tiles, carpet or linoleum per segment) and a ceiling plane 2.4–3.1 m up
// (tiles, light panels), walls with skirting boards, doors, bright windows (daylight, overexposed), open
// doorways into dim rooms, shelves with books, sofas, cabinets, cardboard boxes, tables with chairs, and
// people walking (the same pedestrian model). The building is closed, so every pixel has a depth. A key
// light from the ceiling casts soft shadows of furniture and people on the floor. Defaults: 640×480 with
// NYU-Depth v2's Kinect intrinsics (fx 518.86, fy 519.47, cx 325.58, cy 253.74, scaled with the size).
// Vehicles, Rain, WetRoad, MaxCurvature, lanes and side streets must be zero indoors. The ground truth,
// folders, bags and the simulated LiDAR are the street's.
package sim
