/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it.
 *
 * Go 1.24 and later take all their randomness from ProcessPrng in
 * bcryptprimitives.dll, present on every supported Windows (10 and later);
 * without it a Go program stops at start-up with "bcryptprimitives.dll not
 * found". Wine gained the DLL in version 9. This stand-in, copied only into
 * the throwaway Wine prefix that scripts/with-wine.sh makes, answers
 * ProcessPrng from BCryptGenRandom, the system RNG Wine does have. It is
 * never shipped: the MSI installs only the app.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
