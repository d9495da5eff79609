package comfy

import (
	"context"
	"encoding/json"
)

// ObjectInfo returns every node class the backend has (GET /object_info), as ComfyUI sends it.
func (c *Client) ObjectInfo(ctx context.Context) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, &raw, nil, "object_info"); err != nil {
		return nil, err
	}
	return raw, nil
}

// ObjectInfoClass returns one class's definition; found is false when the class is not installed.
func (c *Client) ObjectInfoClass(ctx context.Context, class string) (json.RawMessage, bool, error) {
	var wire map[string]json.RawMessage
	if err := c.getJSON(ctx, &wire, nil, "object_info", class); err != nil {
		return nil, false, err
	}
	info, ok := wire[class]
	return info, ok, nil
}

// SystemStats is GET /system_stats: versions and devices.
type SystemStats struct {
	ComfyUIVersion string
	PythonVersion  string
	PyTorchVersion string
	OS             string
	RAMTotal       int64
	RAMFree        int64
	Devices        []Device
}

// Device is a compute device of the backend.
type Device struct {
	Name      string
	Type      string // cuda, cpu, mps, ...
	VRAMTotal int64
	VRAMFree  int64
}

// SystemStats reports the backend's versions and devices; it doubles as a health check.
func (c *Client) SystemStats(ctx context.Context) (SystemStats, error) {
	var wire struct {
		System struct {
			OS             string  `json:"os"`
			RAMTotal       float64 `json:"ram_total"`
			RAMFree        float64 `json:"ram_free"`
			ComfyUIVersion string  `json:"comfyui_version"`
			PythonVersion  string  `json:"python_version"`
			PyTorchVersion string  `json:"pytorch_version"`
		} `json:"system"`
		Devices []struct {
			Name      string  `json:"name"`
			Type      string  `json:"type"`
			VRAMTotal float64 `json:"vram_total"`
			VRAMFree  float64 `json:"vram_free"`
		} `json:"devices"`
	}
	if err := c.getJSON(ctx, &wire, nil, "system_stats"); err != nil {
		return SystemStats{}, err
	}
	s := SystemStats{
		ComfyUIVersion: wire.System.ComfyUIVersion,
		PythonVersion:  wire.System.PythonVersion,
		PyTorchVersion: wire.System.PyTorchVersion,
		OS:             wire.System.OS,
		RAMTotal:       int64(wire.System.RAMTotal),
		RAMFree:        int64(wire.System.RAMFree),
	}
	for _, d := range wire.Devices {
		s.Devices = append(s.Devices, Device{Name: d.Name, Type: d.Type, VRAMTotal: int64(d.VRAMTotal), VRAMFree: int64(d.VRAMFree)})
	}
	return s, nil
}

// Models lists the files of a model folder ("checkpoints", "loras", "vae", ...). An unknown
// folder is an *HTTPError with status 404.
func (c *Client) Models(ctx context.Context, folder string) ([]string, error) {
	var names []string
	if err := c.getJSON(ctx, &names, nil, "models", folder); err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}
