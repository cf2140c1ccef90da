package assets

import _ "embed"

// IconPNG is the application icon, 512x512. The app wraps it as a Fyne
// resource; this package stays free of Fyne so the domain can embed the
// policy pack from here.
//
//go:embed icon.png
var IconPNG []byte

// IconSmallPNG is the icon at 64x64, 8 bits a channel, for the top bar of
// every screen: the full icon was decoded each time a screen was drawn
// (issue 15 §3, work on the UI goroutine). Made from icon.png with
// `convert icon.png -resize 64x64 -depth 8 icon-small.png`.
//
//go:embed icon-small.png
var IconSmallPNG []byte

// WindowIconPNG is the same icon at 128x128, 8 bits a channel: the window's
// own icon, which is decoded and handed to the window system before the
// window first appears (issue 18: the 512x512 one, at 16 bits a channel,
// cost a noticeable part of the startup time under X).
//
//go:embed window-icon.png
var WindowIconPNG []byte
