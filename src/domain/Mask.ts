// LGPD: CPF, e-mail and phone never appear whole in logs, Slack or error messages.

/** "37845760870" or "378.457.608-70" -> "***.457.***-**" */
export const maskCpf = (cpf: string): string => {
  const d = cpf.replace(/\D/g, "")
  return d.length === 11 ? `***.${d.slice(3, 6)}.***-**` : "***"
}

/** "mauricio.matsoui@redealumni.com" -> "m***@r***.com" */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf("@")
  if (at <= 0) return "***"
  const domain = email.slice(at + 1)
  const dot = domain.lastIndexOf(".")
  const tld = dot >= 0 ? domain.slice(dot) : ""
  return `${email[0]}***@${domain[0] ?? ""}***${tld}`
}

/** "11975405666" -> "*******5666" */
export const maskPhone = (phone: string): string => {
  const d = phone.replace(/\D/g, "")
  return d.length <= 4 ? "****" : `${"*".repeat(d.length - 4)}${d.slice(-4)}`
}

const cpfPattern = /\b\d{3}\.?\d{3}\.?\d{3}-?\d{2}\b/g
const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g
const phonePattern = /\(?\b\d{2}\)?[\s-]?9?\d{4}[\s-]?\d{4}\b/g

/** Masks anything that looks like a CPF, e-mail or phone inside free text (log lines, error messages). */
export const maskText = (text: string): string =>
  text.replace(emailPattern, maskEmail).replace(cpfPattern, maskCpf).replace(phonePattern, maskPhone)
