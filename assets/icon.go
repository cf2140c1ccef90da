package assets

import _ "embed"

// IconPNG is the application icon, 512x512. The app wraps it as a Fyne
// resource; this package stays free of Fyne so the domain can embed the
// policy pack from here.
//
//go:embed icon.png
var IconPNG []byte

// WindowIconPNG is the same icon at 128x128, 8 bits a channel: the window's
// own icon, which is decoded and handed to the window system before the
// window first appears (issue 18: the 512x512 one, at 16 bits a channel,
// cost a noticeable part of the startup time under X).
//
//go:embed window-icon.png
var WindowIconPNG []byte
