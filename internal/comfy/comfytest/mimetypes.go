package comfytest

import (
	"path"
	"strings"
)

// pyMediaTypes is what Python's mimetypes.guess_type answers for the extensions ComfyUI's nodes
// read and write, on a Linux host where mimetypes.init() loads /etc/mime.types (checked with
// Python 3.11 and Debian's media-types): /view sends it as the Content-Type, and LoadImage,
// LoadAudio and LoadVideo filter their file lists with it (folder_paths.filter_files_content_types).
// It is spelled out rather than taken from Go's mime package, which reads other files in another
// order, so that the fake answers the same on every machine.
var pyMediaTypes = map[string]string{
	".png":  "image/png",
	".apng": "image/apng",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".jpe":  "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".avif": "image/avif",
	".heic": "image/heic",
	".ico":  "image/vnd.microsoft.icon",
	".svg":  "image/svg+xml",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".mov":  "video/quicktime",
	".mkv":  "video/x-matroska",
	".avi":  "video/x-msvideo",
	".mpeg": "video/mpeg",
	".mpg":  "video/mpeg",
	".flac": "audio/flac",
	".mp3":  "audio/mpeg",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/x-wav",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".glb":  "model/gltf-binary",
	".gltf": "model/gltf+json",
	".obj":  "model/obj",
	".stl":  "model/stl",
	".json": "application/json",
	".txt":  "text/plain",
	".html": "text/html",
	".htm":  "text/html",
	".js":   "text/javascript",
	".css":  "text/css",
	".xml":  "application/xml",
}

// guessType is mimetypes.guess_type(name)[0]: the extension as written, then lower-cased; "" when
// unknown.
func guessType(name string) string {
	ext := path.Ext(name)
	if t, ok := pyMediaTypes[ext]; ok {
		return t
	}
	return pyMediaTypes[strings.ToLower(ext)]
}

// contentTypeIn reports whether a file's type is one of the top-level types ("image", "audio",
// "video"), as filter_files_content_types decides it.
func contentTypeIn(name string, types []string) bool {
	t, _, ok := strings.Cut(guessType(name), "/")
	if !ok {
		return false
	}
	for _, want := range types {
		if t == want {
			return true
		}
	}
	return false
}

// pySplitext is os.path.splitext: leading dots belong to the name, so ".png" has no extension.
func pySplitext(name string) (string, string) {
	base := strings.LastIndexByte(name, '/') + 1
	i := strings.LastIndexByte(name, '.')
	if i <= base || strings.TrimLeft(name[base:i], ".") == "" {
		return name, ""
	}
	return name[:i], name[i:]
}
