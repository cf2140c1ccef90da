// Package app holds the Fyne screens. Screens bind widgets to the domain in
// package session; they hold no business rules of their own. Slow work
// (crypto, database, sync) runs off the UI goroutine and comes back through
// fyne.Do.
package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"safeguard/companion/assets"
	"safeguard/companion/session"
)

// Practitioner is the person using the app.
type Practitioner struct {
	Name  string
	KeyID string
	// TrainingCompleted is the date of their last safeguarding training
	// (Annex 2 1.2); zero if unknown.
	TrainingCompleted time.Time
}

// Config is what the app needs from its wiring in cmd/companion.
type Config struct {
	Pack  *session.Pack
	Clock session.Clock
	Me    Practitioner
	// NewID makes record ids.
	NewID func() string
}

// UI is the running app: one window whose content changes screen by screen.
type UI struct {
	app  fyne.App
	win  fyne.Window
	cfg  Config
	dark bool

	// sessions are the practitioner's sessions, newest plan first.
	sessions []*session.Session

	// currentPlan is the plan form on screen, if any.
	currentPlan *planForm
}

// Icon is the app icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.IconPNG)

// New builds the UI in a new window of a. It does not show the window.
func New(a fyne.App, cfg Config) *UI {
	u := &UI{app: a, cfg: cfg}
	u.win = a.NewWindow("Safeguard Companion")
	u.win.SetIcon(Icon)
	u.win.Resize(fyne.NewSize(1024, 640))
	u.setTheme(a.Settings().ThemeVariant() == theme.VariantDark)
	u.ShowHome()
	return u
}

// Window is the app's main window.
func (u *UI) Window() fyne.Window { return u.win }

func (u *UI) setTheme(dark bool) {
	u.dark = dark
	v := theme.VariantLight
	if dark {
		v = theme.VariantDark
	}
	u.app.Settings().SetTheme(newVariantTheme(v))
}

// ToggleTheme switches between light and dark.
func (u *UI) ToggleTheme() { u.setTheme(!u.dark) }

// show replaces the window content with a screen under the common top bar.
func (u *UI) show(title string, body fyne.CanvasObject, actions ...fyne.CanvasObject) {
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	themeBtn := widget.NewButtonWithIcon("", theme.ColorPaletteIcon(), u.ToggleTheme)
	themeBtn.Importance = widget.LowImportance
	bar := container.NewHBox(append([]fyne.CanvasObject{widget.NewIcon(Icon), heading, layout.NewSpacer()}, append(actions, themeBtn)...)...)
	u.win.SetContent(container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, body))
}

// clockText formats a time in the organisation's time zone.
func (u *UI) clockText(t time.Time, layout string) string {
	return t.In(u.cfg.Pack.Location()).Format(layout)
}
