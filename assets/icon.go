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
