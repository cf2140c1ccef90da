package assets

import _ "embed"

// IconPNG is the application icon, 512x512. The app wraps it as a Fyne
// resource; this package stays free of Fyne so the domain can embed the
// policy pack from here.
//
//go:embed icon.png
var IconPNG []byte
