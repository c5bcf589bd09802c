// The first name as the IBGE census spells it: lower case, ASCII letters only ("Ana-Júlia" -> "ana").

/** Leading words that are not a first name: Portuguese particles and titles ("Dr. João", "de Souza Maria"). */
const skippable = new Set(["de", "da", "do", "das", "dos", "e", "d", "sr", "sra", "srta", "dr", "dra", "prof", "profa"])

// Letters that NFD does not decompose into a base letter plus marks.
const special: Readonly<Record<string, string>> = { "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i" }

/** Lower case, accents removed, apostrophes dropped ("D'Ávila" -> "davila"); other characters kept. */
const fold = (word: string): string =>
  word
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[ßæøœłđðþı]/g, (c) => special[c] ?? c)
    .replace(/['’‘`´]/g, "")

/** A hyphenated name counts by its first part ("ana-maria" -> "ana"), as the census lists single words. */
const censusWord = (word: string): string => word.split("-").find((part) => part.length > 0) ?? ""

/**
 * The first name of a full name, as the census spells it; "" when there is none.
 * Leading particles and titles are skipped, unless nothing else is left.
 */
export const firstName = (fullName: string): string => {
  // anything but a-z and the hyphen separates words: spaces, dots ("Dr.João"), digits, other scripts
  const words = fold(fullName).split(/[^a-z-]+/).map(censusWord).filter((w) => w.length > 0)
  return words.find((w) => !skippable.has(w)) ?? words[0] ?? ""
}
