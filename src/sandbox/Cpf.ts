// CPF rules as Kroton checks them (contract section 3): 11 digits, valid check digits, not all equal.

export const cpfDigits = (cpf: string): string => cpf.replace(/\D/g, "")

export const isValidCpf = (cpf: string): boolean => {
  const d = cpfDigits(cpf)
  if (d.length !== 11 || /^(\d)\1{10}$/.test(d)) return false
  const check = (length: number): number => {
    let sum = 0
    for (let i = 0; i < length; i++) sum += Number(d[i]) * (length + 1 - i)
    const rest = (sum * 10) % 11
    return rest === 10 ? 0 : rest
  }
  return check(9) === Number(d[9]) && check(10) === Number(d[10])
}

/** "37845760870" -> "378.457.608-70" */
export const formatCpf = (digits: string): string =>
  `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9, 11)}`

/** A valid CPF built from 9 base digits (tests and fixtures). */
export const cpfFromBase = (base9: string): string => {
  const d = base9.padStart(9, "0").slice(0, 9)
  const digit = (s: string): number => {
    let sum = 0
    for (let i = 0; i < s.length; i++) sum += Number(s[i]) * (s.length + 1 - i)
    const rest = (sum * 10) % 11
    return rest === 10 ? 0 : rest
  }
  const d10 = d + String(digit(d))
  return d10 + String(digit(d10))
}
