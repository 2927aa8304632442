import QRCode from 'qrcode'

/** The otpauth address as an SVG QR code in a data URI, drawn on the server so the page needs no script. */
export async function qrCodeDataUri(otpauthUri: string): Promise<string> {
  const svg = await QRCode.toString(otpauthUri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}
