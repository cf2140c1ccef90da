package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme forces light or dark regardless of the desktop's preference,
// so an adviser can pick what is readable beside their call window.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func newVariantTheme(v fyne.ThemeVariant) fyne.Theme {
	return &variantTheme{Theme: theme.DefaultTheme(), variant: v}
}

func (t *variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor(t.variant)
	}
	return t.Theme.Color(n, t.variant)
}

// focusColor is laid over whatever has the keyboard focus. Fyne's default is
// a faint blue, which cannot be seen on a blue button and barely on the red
// Escalate; a shade of the text colour darkens (or, in dark mode, lightens)
// every colour of button alike, so someone working by keyboard always sees
// where they are.
func focusColor(v fyne.ThemeVariant) color.Color {
	if v == theme.VariantDark {
		return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x66}
	}
	return color.NRGBA{A: 0x66}
}
