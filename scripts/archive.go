//go:build ignore

// Archive writes or lists the release archives that scripts/release makes,
// with nothing but the Go toolchain: a clean machine has tar but often no
// zip, and Windows users expect a .zip.
//
//	go run scripts/archive.go [-mtime UNIX] -o FILE.tar.gz|FILE.zip -dir NAME PATH...
//	go run scripts/archive.go -l FILE.tar.gz|FILE.zip
//
// The first form stores each PATH as NAME/<base name of PATH>, in the order
// given, owned by root, mode 0755 if it is executable and 0644 otherwise,
// stamped with -mtime (default: now), so that the same inputs make the same
// bytes. The second prints the archive's entry names, one a line.
package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "", "archive to write: its name ends in .tar.gz or .zip")
	dir := flag.String("dir", "", "top-level directory the entries go in")
	list := flag.String("l", "", "list the entries of this archive instead")
	mtime := flag.Int64("mtime", time.Now().Unix(), "modification time of every entry, in seconds since 1970")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run scripts/archive.go [-mtime UNIX] -o FILE.tar.gz|FILE.zip -dir NAME PATH...\n"+
			"       go run scripts/archive.go -l FILE.tar.gz|FILE.zip\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var err error
	switch {
	case *list != "" && *out == "" && flag.NArg() == 0:
		err = listArchive(os.Stdout, *list)
	case *list == "" && *out != "" && *dir != "" && flag.NArg() > 0:
		err = writeArchive(*out, *dir, time.Unix(*mtime, 0).UTC(), flag.Args())
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "archive:", err)
		os.Exit(1)
	}
}

type entry struct {
	name string // inside the archive
	path string // on disk
	mode int64
	size int64
}

func writeArchive(out, dir string, mtime time.Time, paths []string) (err error) {
	var entries []entry
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		mode := int64(0o644)
		if fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		entries = append(entries, entry{name: path.Join(dir, filepath.Base(p)), path: p, mode: mode, size: fi.Size()})
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	switch {
	case strings.HasSuffix(out, ".tar.gz"):
		return writeTarGz(f, dir, mtime, entries)
	case strings.HasSuffix(out, ".zip"):
		return writeZip(f, mtime, entries)
	}
	return fmt.Errorf("%s: the name must end in .tar.gz or .zip", out)
}

func writeTarGz(w io.Writer, dir string, mtime time.Time, entries []entry) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	hdr := func(name string, typ byte, mode, size int64) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: mtime,
			Uname: "root", Gname: "root", Format: tar.FormatPAX}
	}
	if err := tw.WriteHeader(hdr(dir+"/", tar.TypeDir, 0o755, 0)); err != nil {
		return err
	}
	for _, e := range entries {
		if err := tw.WriteHeader(hdr(e.name, tar.TypeReg, e.mode, e.size)); err != nil {
			return err
		}
		if err := copyFile(tw, e.path); err != nil {
			return err
		}
	}
	return errors.Join(tw.Close(), gz.Close())
}

func writeZip(w io.Writer, mtime time.Time, entries []entry) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(e.mode))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if err := copyFile(fw, e.path); err != nil {
			return err
		}
	}
	return zw.Close()
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func listArchive(w io.Writer, name string) error {
	switch {
	case strings.HasSuffix(name, ".zip"):
		zr, err := zip.OpenReader(name)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			fmt.Fprintln(w, f.Name)
		}
		return nil
	case strings.HasSuffix(name, ".tar.gz"):
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(w, h.Name)
		}
	}
	return fmt.Errorf("%s: the name must end in .tar.gz or .zip", name)
}
