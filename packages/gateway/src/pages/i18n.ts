/**
 * The words of the pages people see (sandbox wallet, WeChat pages, hosted checkout), in English and
 * Chinese, and the return codes a payer can meet, said the way a payer understands them. The Chinese
 * error texts follow the reference appendix (错误交易码描述) where it has one.
 */
import type { Lang } from './layout.ts';
import { UmfError, type RetCodeEntry } from '../errors/catalogue.ts';
import { DomainError, type Reason } from '../errors/domain-error.ts';
import { codeOf } from '../http/error-codes.ts';

const TEXT = {
  // frame
  sandbox: { en: 'Sandbox', zh: '沙箱' },
  otherLang: { en: '中文', zh: 'English' },
  sandboxNote: { en: 'Sandbox: no real money moves.', zh: '沙箱环境：不会产生真实扣款。' },
  wechatPay: { en: 'WeChat Pay', zh: '微信支付' },
  alipay: { en: 'Alipay', zh: '支付宝' },
  wechat: { en: 'WeChat', zh: '微信' },
  checkout: { en: 'UMF Checkout', zh: 'UMF 收银台' },

  // order facts
  merchant: { en: 'Merchant', zh: '商户' },
  orderNo: { en: 'Order no.', zh: '订单号' },
  paymentId: { en: 'Payment', zh: '支付单号' },
  orderAmount: { en: 'Order amount', zh: '订单金额' },
  rate: { en: 'Exchange rate', zh: '汇率' },
  payBefore: { en: 'Pay before', zh: '支付截止' },
  chinaTime: { en: '(China time)', zh: '(北京时间)' },
  toPay: { en: 'To pay', zh: '应付金额' },
  orderSummary: { en: 'Order summary', zh: '订单信息' },
  items: { en: 'Items', zh: '商品' },
  lockedRate: { en: 'rate locked at', zh: '锁定汇率' },

  // wallet page
  payNow: { en: 'Pay {amount}', zh: '确认支付 {amount}' },
  simulateFail: { en: 'Simulate a failed payment', zh: '模拟支付失败' },
  walletHint: {
    en: 'This page is what the payer sees after scanning the QR code.',
    zh: '这是用户扫码后看到的钱包页面。',
  },
  paidTitle: { en: 'Payment successful', zh: '支付成功' },
  alreadyPaidTitle: { en: 'Already paid', zh: '订单已支付' },
  failedTitle: { en: 'Payment failed', zh: '支付失败' },
  closedTitle: { en: 'Order closed', zh: '订单已关闭' },
  expiredTitle: { en: 'Payment expired', zh: '支付已超时' },
  processingTitle: { en: 'Payment in process', zh: '支付处理中' },
  canClose: { en: 'You can close this page now.', zh: '您现在可以关闭此页面。' },
  paidAt: { en: 'Paid at', zh: '支付时间' },
  paidWith: { en: 'Paid with', zh: '支付方式' },
  alreadyPaid: { en: 'This order has already been paid. Nothing more to pay.', zh: '该订单已支付，请勿重复付款。' },
  failedBefore: {
    en: 'This payment has failed and cannot be paid any more. Ask the merchant for a new order.',
    zh: '该笔支付已失败，无法继续付款，请联系商户重新下单。',
  },
  expiredNotice: {
    en: 'This payment has expired: its time to pay is over. Ask the merchant for a new order.',
    zh: '该笔支付已超时，订单已关闭，请联系商户重新下单。',
  },
  closedNotice: { en: 'This order has been closed and cannot be paid.', zh: '该订单已关闭，无法付款。' },
  inProcessNotice: {
    en: 'This payment is already being paid in another way. Please wait.',
    zh: '该订单正在以其他方式支付，请稍候。',
  },
  notThisWallet: { en: 'This payment cannot be paid with {wallet}.', zh: '该订单不支持{wallet}付款。' },
  errorCode: { en: 'Code', zh: '错误码' },

  // WeChat authorisation
  authTitle: { en: 'WeChat authorisation', zh: '微信授权' },
  authRequest: {
    en: '{merchant} requests your WeChat identity (open_id)',
    zh: '{merchant} 申请获取你的微信身份 (open_id)',
  },
  authPerm1: { en: 'Your open_id for this official account', zh: '你在该公众号下的 open_id' },
  authPerm2: { en: 'Nothing else: no nickname, no avatar, no phone number', zh: '不包含昵称、头像、手机号等其他信息' },
  userName: { en: 'Sandbox WeChat user', zh: '沙箱微信用户' },
  userNameHint: {
    en: 'The same name always gets the same open_id from this merchant.',
    zh: '同一名字在该商户下始终得到同一个 open_id。',
  },
  accept: { en: 'Allow', zh: '允许' },
  deny: { en: 'Deny', zh: '拒绝' },
  authBadState: {
    en: 'This authorisation link is not valid or has expired. Go back to the merchant and try again.',
    zh: '授权链接无效或已过期，请返回商户页面重新发起。',
  },
  authBadRedirect: {
    en: 'The redirect address of this link was changed. Go back to the merchant and try again.',
    zh: '授权链接的跳转地址被篡改，请返回商户页面重新发起。',
  },

  // JS-API
  jsapiTitle: { en: 'Confirm payment', zh: '确认付款' },
  payingAs: { en: 'Paying as', zh: '付款用户' },
  confirmPay: { en: 'Confirm payment', zh: '确认支付' },
  cancel: { en: 'Cancel', zh: '取消' },
  requestRefused: { en: 'Payment request refused', zh: '支付请求被拒绝' },
  badPaySign: {
    en: 'The payment request was not signed by WeChat Pay (paySign does not match). Nothing was paid.',
    zh: '支付请求签名校验失败 (paySign 不匹配)，未发生扣款。',
  },
  badPrepay: {
    en: 'This payment request is unknown to WeChat Pay. Nothing was paid.',
    zh: '微信支付找不到该支付请求，未发生扣款。',
  },
  badRedirectUrl: {
    en:
      "redirect_url is not the payment's ret_url: WeChat Pay sends you back only to the merchant's own " +
      'return address. Nothing was paid.',
    zh: 'redirect_url 不是该订单的 ret_url：微信支付只会跳转回商户下单时给出的返回地址，未发生扣款。',
  },
  jsapiHint: {
    en: 'What WeixinJSBridge getBrandWCPayRequest shows in the WeChat browser.',
    zh: '模拟微信内置浏览器中 WeixinJSBridge getBrandWCPayRequest 的支付界面。',
  },

  // checkout
  choose: { en: 'Payment method', zh: '选择支付方式' },
  CREDIT_CARD: { en: 'Credit card', zh: '信用卡' },
  DEBIT_CARD: { en: 'Debit card', zh: '借记卡' },
  WECHAT_SCAN: { en: 'WeChat Pay', zh: '微信支付' },
  ALIPAY_SCAN: { en: 'Alipay', zh: '支付宝' },
  WECHAT_WEB: { en: 'WeChat Pay', zh: '微信支付' },
  WECHAT_IN_APP: { en: 'WeChat Pay', zh: '微信支付' },
  cardNumber: { en: 'Card number', zh: '卡号' },
  cardNumberCredit: { en: '16-digit credit card number', zh: '16 位信用卡号' },
  cardNumberDebit: { en: '19-digit debit card number', zh: '19 位借记卡号' },
  testCard: {
    en: 'Sandbox test card: {card}. Other outcomes: see "Sandbox test values".',
    zh: '沙箱测试卡：{card}。其他结果见“沙箱测试数据”。',
  },
  validDate: { en: 'Expiry (YYMM)', zh: '有效期 (YYMM)' },
  cvv2: { en: 'CVV2', zh: 'CVV2 安全码' },
  holderName: { en: 'Card holder name', zh: '持卡人姓名' },
  citizenId: { en: 'Citizen ID number', zh: '身份证号' },
  phone: { en: 'Phone number (bank records)', zh: '银行预留手机号' },
  sendCode: { en: 'Send verification code', zh: '获取短信验证码' },
  codeSent: {
    en: 'A verification code was sent to {phone} for the card ending {last4}.',
    zh: '验证码已发送至 {phone}（尾号 {last4} 的银行卡）。',
  },
  smsCode: { en: 'SMS verification code', zh: '短信验证码' },
  payCard: { en: 'Pay {amount}', zh: '确认付款 {amount}' },
  otherCard: { en: 'Use another card or send a new code', zh: '更换银行卡或重新获取验证码' },
  scanWith: { en: 'Scan with {wallet} to pay {amount}', zh: '请使用{wallet}扫一扫，支付 {amount}' },
  openInWallet: { en: 'Open in {wallet}', zh: '打开{wallet}付款' },
  openHint: {
    en: 'On a phone: open the payment in the wallet app, then come back to this page.',
    zh: '在手机上：点击按钮在钱包中付款，完成后返回本页。',
  },
  waiting: { en: 'Waiting for your payment…', zh: '等待付款…' },
  bankProcessing: {
    en: 'The bank is processing your payment. This page updates by itself.',
    zh: '银行正在处理您的付款，本页面会自动更新。',
  },
  backToMerchant: { en: 'Back to {merchant}', zh: '返回 {merchant}' },
  redirecting: { en: 'You will be sent back to the merchant in a few seconds.', zh: '几秒后将自动返回商户页面。' },
  noMethods: { en: 'This payment is not paid on the checkout page.', zh: '该订单不在收银台付款。' },
  fieldRequired: { en: 'Please fill in: {fields}', zh: '请填写：{fields}' },
  secureNote: {
    en: 'Card details go only to the bank for verification and are never stored in clear; the CVV2 is never kept.',
    zh: '卡信息仅用于银行验证，不会明文存储；CVV2 安全码不会保留。',
  },
  retypeCvv2: { en: 'For your security, type the CVV2 again.', zh: '为保障安全，请重新输入 CVV2 安全码。' },

  // sandbox help (checkout and start page; sandbox mode only)
  sandboxHelpTitle: { en: 'Sandbox test values', zh: '沙箱测试数据' },
  sandboxHelpIntro: {
    en:
      'No real bank, SMS or money is involved. ' +
      'The last four digits of the card number choose what the sandbox bank does:',
    zh: '沙箱不连接真实银行，不发送真实短信，也不产生真实扣款。卡号后四位决定沙箱银行的处理结果：',
  },
  testLast4: { en: 'Last four', zh: '后四位' },
  testCreditCard: { en: 'Credit card (16 digits)', zh: '信用卡 (16 位)' },
  testDebitCard: { en: 'Debit card (19 digits)', zh: '借记卡 (19 位)' },
  testOutcome: { en: 'What happens', zh: '结果' },
  testAnyOther: { en: '0001 or any other', zh: '0001 或其他' },
  testLuhn: { en: 'Luhn check fails', zh: 'Luhn 校验失败' },
  testOk: { en: 'The code is sent, the payment succeeds.', zh: '发送验证码，支付成功。' },
  test0002: {
    en: 'The code is sent; paying is declined: insufficient balance (00060730).',
    zh: '发送验证码；付款时被拒：余额不足 (00060730)。',
  },
  test0003: {
    en: 'Card expired (00200026) when the code is requested.',
    zh: '获取验证码时提示银行卡已过期 (00200026)。',
  },
  test0004: {
    en: 'Card information not correct (00200025) when the code is requested.',
    zh: '获取验证码时提示银行卡信息有误 (00200025)。',
  },
  test0005: {
    en: 'The bank answers about 5 s late: the page waits, then shows the payment successful.',
    zh: '银行约 5 秒后才应答：页面等待后显示支付成功。',
  },
  testLuhnOutcome: { en: 'Card number not correct (00060875).', zh: '卡号有误 (00060875)。' },
  testCardKinds: {
    en: '16-digit numbers are credit cards, 19-digit numbers debit cards; a card of the other kind gives 00060076.',
    zh: '16 位卡号为信用卡，19 位为借记卡；卡种与所选付款方式不符时提示 00060076。',
  },
  testExpiry: {
    en: 'Expiry: any month to come (YYMM), e.g. {date}. CVV2: any 3 digits, e.g. {cvv2}. Card holder: any name.',
    zh: '有效期：任一未到期月份 (YYMM)，如 {date}。CVV2：任意 3 位数字，如 {cvv2}。持卡人：任意姓名。',
  },
  testCitizenId: {
    en: 'Citizen ID: {id}. 18 characters, the last a check digit (GB 11643); a wrong check digit gives 00060022.',
    zh: '身份证号：{id}。共 18 位，末位为校验码 (GB 11643)；校验码不符时提示 00060022。',
  },
  testPhone: {
    en: 'Phone: any mainland mobile number (11 digits starting with 1), e.g. {phone}.',
    zh: '手机号：任一大陆手机号 (1 开头的 11 位数字)，如 {phone}。',
  },
  testSmsCode: {
    en: 'SMS code: no SMS leaves the sandbox. Once sent, the code is shown on this page; the sandbox inbox has it too:',
    zh: '短信验证码：沙箱不发送真实短信。验证码发送后显示在本页；也可在沙箱收件箱查看：',
  },
  testSmsCodeHome: {
    en: 'SMS code: no SMS leaves the sandbox. The checkout page shows the code once sent; so does the sandbox inbox:',
    zh: '短信验证码：沙箱不发送真实短信。验证码发送后显示在收银台页面；也可在沙箱收件箱查看：',
  },
  testSmsRules: {
    en: '6 digits, valid 5 minutes, one a minute and five per payment; five wrong codes lock the payment.',
    zh: '6 位数字，5 分钟内有效，每分钟一次、每笔最多五次；输错五次订单锁定。',
  },
  fillTestValues: { en: 'Fill in test values', zh: '填入测试数据' },
  useCard: { en: 'Use', zh: '使用' },
  hintTestCitizenId: { en: 'Sandbox: {id} (valid check digit)', zh: '沙箱：{id}（校验码有效）' },
  hintTestPhone: { en: 'Sandbox: any 1xxxxxxxxxx, e.g. {phone}', zh: '沙箱：任一 1 开头的 11 位手机号，如 {phone}' },
  hintTestExpiry: { en: 'Sandbox: e.g. {date}', zh: '沙箱：如 {date}' },
  hintTestCvv2: { en: 'Sandbox: any 3 digits', zh: '沙箱：任意 3 位数字' },
  sandboxSmsTitle: { en: 'Sandbox SMS', zh: '沙箱短信' },
  sandboxSmsCode: {
    en: 'Verification code sent to {phone} at {time} (China time):',
    zh: '{time}（北京时间）发送至 {phone} 的验证码：',
  },
  sandboxSmsExpired: { en: 'This code has expired: send a new one.', zh: '该验证码已过期，请重新获取。' },
  sandboxSmsNote: {
    en: 'Shown in sandbox mode only; a live gateway sends the code to the phone alone. Also in the sandbox inbox:',
    zh: '仅在沙箱模式显示；正式环境的验证码只发送到手机。也可在沙箱收件箱查看：',
  },
  fillCode: { en: 'Fill in', zh: '填入' },
  sandboxWalletTitle: { en: 'Paying in the sandbox', zh: '在沙箱中付款' },
  sandboxWalletHelp: {
    en:
      'The QR code and "Open in {wallet}" lead to the sandbox wallet page: pay there, or simulate a failed ' +
      'payment. This page then shows the result by itself. A script does the same with:',
    zh: '二维码和“打开{wallet}付款”会进入沙箱钱包页面：在其中付款或模拟支付失败，本页随后自动显示结果。脚本也可调用：',
  },

  // start page (/)
  homeTitle: { en: 'UMF Gateway', zh: 'UMF 网关' },
  homeIntro: {
    en:
      'This gateway serves the UMF cross-border payment API under {prefix}, the hosted checkout and, ' +
      'in sandbox mode, the simulated banks, SMS gateway and wallets.',
    zh: '本网关提供 UMF 跨境支付 API（{prefix}）、托管收银台，沙箱模式下还提供模拟的银行、短信网关和钱包。',
  },
  modeSandbox: {
    en: 'Sandbox mode: every outside party is simulated; no real money moves.',
    zh: '沙箱模式：所有外部机构均为模拟，不产生真实资金流动。',
  },
  modeLive: {
    en: 'Live mode: payments reach the real banks, SMS gateway and wallets through the configured connectors.',
    zh: '正式模式：支付通过已配置的连接器发往真实的银行、短信网关和钱包。',
  },
  homeDocs: { en: 'Start here', zh: '从这里开始' },
  apiReference: { en: 'API reference', zh: 'API 参考' },
  apiReferenceNote: {
    en: 'Every operation with its request, answers and return codes, and the integration guide.',
    zh: '全部接口的请求、应答和返回码，以及接入指南。',
  },
  openApiDocument: { en: 'OpenAPI document', zh: 'OpenAPI 文档' },
  openApiNote: {
    en: 'The same, as OpenAPI 3 JSON for code generators and API tools.',
    zh: '同上，OpenAPI 3 JSON 格式，供代码生成器和 API 工具使用。',
  },
  consoleTitle: { en: 'Console', zh: '管理控制台' },
  consoleNote: {
    en: 'Merchants and keys, payments and their timelines, for the platform operator.',
    zh: '供平台运营人员管理商户与密钥、查看支付及其时间线。',
  },
  consoleComing: { en: 'Coming: not in this version yet.', zh: '即将推出：当前版本尚未提供。' },
  sandboxEndpoints: { en: 'Sandbox endpoints', zh: '沙箱接口' },
  sandboxSmsEndpoint: {
    en: 'The SMS the platform "sent" to a phone, newest first:',
    zh: '平台“发送”到该手机号的短信，最新的在前：',
  },
  sandboxPayEndpoint: {
    en:
      'Does what the payer does on the wallet, WeChat or checkout page of a QR, WeChat or checkout payment. ' +
      'Optional JSON body:',
    zh: '模拟付款人在钱包、微信或收银台页面的操作，适用于扫码、微信和收银台支付。可选 JSON 请求体：',
  },
  sandboxPayCards: {
    en: 'Card payments are paid with verify and execute (the codes are in the SMS inbox).',
    zh: '银行卡支付请使用 verify 和 execute（验证码见短信收件箱）。',
  },
  sandboxAccessLoopback: {
    en: 'Open to callers on this machine (the gateway listens on loopback).',
    zh: '仅对本机调用方开放（网关监听回环地址）。',
  },
  sandboxAccessToken: {
    en:
      "Open to callers on this machine; any other caller sends a merchant's Authorization: Bearer token " +
      "and reaches only that merchant's payments.",
    zh: '本机调用方可直接调用；其他调用方需携带商户的 Authorization: Bearer 令牌，且只能访问该商户的支付。',
  },
  sandboxAccessPublic: { en: 'Open to anyone (UMF_SANDBOX_PUBLIC=1).', zh: '对所有人开放 (UMF_SANDBOX_PUBLIC=1)。' },

  // errors
  notFoundTitle: { en: 'Payment not found', zh: '找不到该支付' },
  notFound: {
    en: 'There is no such payment. Check the link you were given.',
    zh: '该支付不存在，请检查链接是否正确。',
  },
  forbiddenTitle: { en: 'Link not valid', zh: '链接无效' },
  forbidden: {
    en: 'This link is not valid (its access token does not match). Use the exact link the merchant gave you.',
    zh: '链接无效（访问令牌不匹配），请使用商户提供的完整链接。',
  },
  pageNotFound: { en: 'There is no such page.', zh: '页面不存在。' },
  linkExpiredTitle: { en: 'Link expired', zh: '链接已过期' },
  linkExpired: {
    en: 'This link has expired with its payment. Ask the merchant for a new order if you still want to pay.',
    zh: '该链接已随订单过期，如需付款请联系商户重新下单。',
  },
  errorTitle: { en: 'Something went wrong', zh: '出错了' },
  errorBody: { en: 'The page could not be shown. Please try again in a moment.', zh: '页面暂时无法显示，请稍后再试。' },
  badRequestTitle: { en: 'Request not valid', zh: '请求无效' },
} as const satisfies Record<string, { en: string; zh: string }>;

export type TextKey = keyof typeof TEXT;

export function t(lang: Lang, key: TextKey, vars: Readonly<Record<string, string>> = {}): string {
  return TEXT[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? vars[name]! : whole));
}

/** Return codes a payer can meet on a page, said for a person. */
const ERRORS: Readonly<Record<string, { en: string; zh: string }>> = {
  '00060700': { en: 'Please check the information you entered.', zh: '数据校验未通过，请检查填写的信息。' },
  '00060720': { en: 'The phone number is not correct.', zh: '用户手机号错误。' },
  '00060730': { en: 'The card balance is insufficient.', zh: '用户余额不足请充值。' },
  '00060750': { en: 'The payment did not go through: no money was taken.', zh: '支付未成功，未发生扣款。' },
  '00060751': { en: 'This payment has expired.', zh: '支付已超时，订单已关闭。' },
  '00060760': { en: 'There is no such payment.', zh: '支付不存在。' },
  '00060761': { en: 'The payment is being processed, please wait.', zh: '订单正在支付中请稍后。' },
  '00060763': { en: 'This order has been closed.', zh: '订单已关闭。' },
  '00060765': { en: 'The payment failed. Please choose another payment method.', zh: '支付失败请重新选择支付方式。' },
  '00060022': { en: 'The citizen ID number is not valid.', zh: '证件号不合法。' },
  '00060076': { en: 'This kind of bank card cannot pay this order.', zh: '不支持的银行卡账户。' },
  '00060875': { en: 'The card number is not correct.', zh: '银行卡号输入有误。' },
  '00200005': { en: 'No valid verification code: send a new one.', zh: '没有找到相关短信验证码，请重新获取。' },
  '00200007': { en: 'The verification code is not correct.', zh: '短信验证码错误。' },
  '00200008': {
    en: 'Too many wrong verification codes: the payment is locked.',
    zh: '验证码错误次数过多，订单已锁定。',
  },
  '00200025': { en: 'The card information is not correct.', zh: '银行卡信息有误。' },
  '00200026': { en: 'The card has expired.', zh: '银行卡已过期。' },
  '00200027': { en: 'This bank is not available for the merchant.', zh: '该银行暂未对商户开通。' },
  '00080706': {
    en: 'A verification code can be requested once a minute. Please wait a moment.',
    zh: '验证码一分钟内只可获取一次，请稍后再试。',
  },
  '00080707': {
    en: 'Too many verification codes were requested for this order.',
    zh: '该订单获取验证码次数已超过上限。',
  },
  '00290502': { en: 'The citizen ID or the name is not correct.', zh: '身份认证信息不一致。' },
  '00060999': { en: 'System error. Please try again later.', zh: '系统失败，请稍后再试。' },
};

export interface PayerMessage {
  readonly code: string;
  readonly text: string;
}

/** A domain error (or a catalogue entry) as a payer reads it, in the page's language. */
export function payerMessage(lang: Lang, error: DomainError | UmfError | Reason | RetCodeEntry): PayerMessage {
  const entry =
    error instanceof DomainError
      ? codeOf(error.reason)
      : error instanceof UmfError
        ? error.entry
        : typeof error === 'string'
          ? codeOf(error)
          : error;
  let text = ERRORS[entry.code]?.[lang] ?? (lang === 'zh' ? '支付失败。' : `${entry.message || 'The payment failed'}.`);
  // The one fact a payer can act on: how many attempts are left after a wrong code.
  const left = error instanceof DomainError ? error.facts.attemptsLeft : undefined;
  if (left !== undefined)
    text += lang === 'zh' ? ` 还可尝试 ${left} 次。` : ` ${left} attempt${left === 1 ? '' : 's'} left.`;
  return { code: entry.code, text };
}
