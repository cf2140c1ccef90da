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
	return t.Theme.Color(n, t.variant)
}
