/**
 * The customs offices a declaration can go to (`customs_id` of reference 3.9 / objs.md
 * `customs_declaration`): the code the merchant sends and the office's name. The reference names
 * HZ, NB and GZ (Hangzhou, Ningbo, Guangzhou); the others are cross-border e-commerce pilot cities
 * with their own customs platforms. Any other code is 00202012 "Customs unavailable". This is the one
 * list: the request parser, the sandbox customs channel and docs/customs.md all go by it.
 */

export interface CustomsOffice {
  readonly code: string;
  readonly name: string;
  readonly nameZh: string;
}

export const CUSTOMS_OFFICES: readonly CustomsOffice[] = Object.freeze([
  { code: 'HZ', name: 'Hangzhou', nameZh: '杭州' },
  { code: 'NB', name: 'Ningbo', nameZh: '宁波' },
  { code: 'GZ', name: 'Guangzhou', nameZh: '广州' },
  { code: 'ZZ', name: 'Zhengzhou', nameZh: '郑州' },
  { code: 'CQ', name: 'Chongqing', nameZh: '重庆' },
  { code: 'SH', name: 'Shanghai', nameZh: '上海' },
  { code: 'TJ', name: 'Tianjin', nameZh: '天津' },
  { code: 'SZ', name: 'Shenzhen', nameZh: '深圳' },
  { code: 'XA', name: "Xi'an", nameZh: '西安' },
  { code: 'FZ', name: 'Fuzhou', nameZh: '福州' },
]);

/** The office of a `customs_id` (case-insensitive), or undefined. */
export function findCustomsOffice(code: string): CustomsOffice | undefined {
  const upper = code.trim().toUpperCase();
  return CUSTOMS_OFFICES.find((office) => office.code === upper);
}
