/** The console's words in English and Chinese. */
export type ConsoleLang = 'zh' | 'en';

const TEXT = {
  console: { en: 'UMF Console', zh: 'UMF 控制台' },
  signInTitle: { en: 'Sign in to the console', zh: '登录控制台' },
  signInLead: {
    en: 'Operators and merchant users sign in with the email and password they were given.',
    zh: '运营人员和商户用户请使用分配给您的邮箱和密码登录。',
  },
  email: { en: 'Email', zh: '邮箱' },
  password: { en: 'Password', zh: '密码' },
  signIn: { en: 'Sign in', zh: '登录' },
  noAccount: {
    en: 'No account yet? An administrator creates one with umf-gateway operator create.',
    zh: '还没有账户？请管理员使用 umf-gateway operator create 创建。',
  },
  wrongPassword: { en: 'Wrong email or password.', zh: '邮箱或密码错误。' },
  throttled: {
    en: 'Too many failed sign-ins. Try again in {seconds} s.',
    zh: '登录失败次数过多，请在 {seconds} 秒后重试。',
  },
  sessionEnded: { en: 'Your session has ended. Please sign in again.', zh: '会话已结束，请重新登录。' },
  signedOut: { en: 'You are signed out.', zh: '您已退出登录。' },
  signedOutEverywhere: {
    en: 'You are signed out on every device.',
    zh: '您已在所有设备上退出登录。',
  },
  signOut: { en: 'Sign out', zh: '退出登录' },
  signOutEverywhere: { en: 'Sign out everywhere', zh: '在所有设备退出' },
  sessionsOpen: { en: '{count} active sessions', zh: '{count} 个活动会话' },
  sessionOpen: { en: '1 active session', zh: '1 个活动会话' },
  menu: { en: 'Menu', zh: '菜单' },
  mainNav: { en: 'Console sections', zh: '控制台导航' },
  soon: { en: 'Soon', zh: '即将上线' },
  notYet: { en: 'Not available yet', zh: '暂未开放' },
  themeDark: { en: 'Dark theme', zh: '深色主题' },
  themeLight: { en: 'Light theme', zh: '浅色主题' },
  otherLang: { en: '中文', zh: 'English' },
  otherLangName: { en: 'Switch to Chinese', zh: '切换到英文' },
  sandbox: { en: 'Sandbox', zh: '沙箱' },
  live: { en: 'Live', zh: '生产' },

  // sections
  overview: { en: 'Overview', zh: '概览' },
  payments: { en: 'Payments', zh: '支付' },
  notifications: { en: 'Notifications', zh: '通知' },
  refunds: { en: 'Refunds', zh: '退款' },
  customs: { en: 'Customs', zh: '海关申报' },
  enterprises: { en: 'Enterprises', zh: '企业' },
  documents: { en: 'Documents', zh: '贸易单据' },
  settlement: { en: 'Settlement', zh: '结算' },
  fxRates: { en: 'FX rates', zh: '汇率' },
  merchants: { en: 'Merchants', zh: '商户' },
  sandboxSection: { en: 'Sandbox', zh: '沙箱' },
  auditLog: { en: 'Audit log', zh: '审计日志' },
  operators: { en: 'Console accounts', zh: '控制台账户' },

  // roles
  admin: { en: 'Admin', zh: '管理员' },
  reviewer: { en: 'Reviewer', zh: '审核员' },
  viewer: { en: 'Viewer', zh: '只读' },
  merchantUser: { en: 'Merchant {merchant}', zh: '商户 {merchant}' },

  // overview
  today: { en: 'Today (China time, since 00:00)', zh: '今日（北京时间 00:00 起）' },
  last24h: { en: 'Last 24 hours', zh: '最近 24 小时' },
  paymentsToday: { en: 'Payments today', zh: '今日支付' },
  successRate: { en: 'Success rate', zh: '成功率' },
  successOf: { en: '{paid} of {total} paid', zh: '{total} 笔中 {paid} 笔成功' },
  noPaymentsYet: { en: 'No payments yet', zh: '暂无支付' },
  notificationHealth: { en: 'Notification health', zh: '通知送达' },
  delivered: { en: 'Delivered', zh: '已送达' },
  retrying: { en: 'Retrying', zh: '重试中' },
  queued: { en: 'Queued', zh: '排队中' },
  failed: { en: 'Failed', zh: '失败' },
  pendingReviews: { en: 'Awaiting review', zh: '待审核' },
  enterprisesPending: { en: 'Enterprises', zh: '企业资质' },
  documentsPending: { en: 'B2B documents', zh: 'B2B 单据' },
  byState: { en: 'Payments today by state', zh: '今日支付（按状态）' },
  byMethod: { en: 'Payments today by method', zh: '今日支付（按支付方式）' },
  merchantsCount: { en: 'Merchants', zh: '商户数' },
  emptyPayments: {
    en: 'No payments today yet. They appear here as soon as a merchant creates one through the API.',
    zh: '今天还没有支付。商户通过 API 创建支付后会立即显示在这里。',
  },
  count: { en: 'Count', zh: '笔数' },
  state: { en: 'State', zh: '状态' },
  method: { en: 'Method', zh: '支付方式' },
  share: { en: 'Share', zh: '占比' },

  // audit
  auditLead: {
    en: 'Every sign-in and every operator action, newest first, with who, when and from which address.',
    zh: '所有登录和运营操作，按时间倒序，记录操作人、时间和来源地址。',
  },
  when: { en: 'When (China time)', zh: '时间（北京时间）' },
  who: { en: 'Who', zh: '操作人' },
  action: { en: 'Action', zh: '操作' },
  subject: { en: 'Subject', zh: '对象' },
  address: { en: 'Address', zh: '地址' },
  detail: { en: 'Detail', zh: '详情' },
  older: { en: 'Older entries', zh: '更早的记录' },
  newest: { en: 'Newest entries', zh: '最新记录' },
  emptyAudit: { en: 'Nothing recorded yet.', zh: '暂无记录。' },

  // accounts
  operatorsLead: { en: 'Who may sign in to this console.', zh: '可以登录本控制台的账户。' },
  kind: { en: 'Kind', zh: '类型' },
  role: { en: 'Role', zh: '角色' },
  created: { en: 'Created', zh: '创建时间' },
  operator: { en: 'Operator', zh: '运营人员' },
  merchantUserKind: { en: 'Merchant user', zh: '商户用户' },

  // refusals
  forbiddenTitle: { en: 'Not allowed', zh: '无权访问' },
  forbidden: {
    en: 'Your account may not open this page or do this action.',
    zh: '您的账户无权打开此页面或执行此操作。',
  },
  csrfTitle: { en: 'Request refused', zh: '请求被拒绝' },
  csrf: {
    en: 'This form has expired or was sent from another site. Go back, reload the page and try again.',
    zh: '表单已过期或来自其他网站。请返回、刷新页面后重试。',
  },
  notFoundTitle: { en: 'Page not found', zh: '页面不存在' },
  notFound: { en: 'There is no such console page.', zh: '控制台没有这个页面。' },
  backToOverview: { en: 'Back to the overview', zh: '返回概览' },
} as const;

export type TextKey = keyof typeof TEXT;

export function t(lang: ConsoleLang, key: TextKey, vars: Readonly<Record<string, string | number>> = {}): string {
  return TEXT[key][lang].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** How the audit log names its actions. */
const ACTION_NAMES: Readonly<Record<string, { en: string; zh: string }>> = {
  login: { en: 'Signed in', zh: '登录' },
  login_failed: { en: 'Sign-in failed', zh: '登录失败' },
  logout: { en: 'Signed out', zh: '退出登录' },
  logout_everywhere: { en: 'Signed out everywhere', zh: '所有设备退出' },
  operator_created: { en: 'Operator created', zh: '创建运营人员' },
  merchant_user_created: { en: 'Merchant user created', zh: '创建商户用户' },
  enterprise_approved: { en: 'Enterprise approved', zh: '企业审核通过' },
  enterprise_rejected: { en: 'Enterprise rejected', zh: '企业审核拒绝' },
  document_approved: { en: 'Document approved', zh: '单据审核通过' },
  document_rejected: { en: 'Document rejected', zh: '单据审核拒绝' },
  notification_redelivered: { en: 'Notification redelivered', zh: '重发通知' },
  fx_rate_changed: { en: 'FX rate changed', zh: '修改汇率' },
  merchant_created: { en: 'Merchant created', zh: '创建商户' },
  merchant_key_added: { en: 'Merchant key added', zh: '添加商户公钥' },
  merchant_key_revoked: { en: 'Merchant key revoked', zh: '吊销商户公钥' },
  merchant_secret_reset: { en: 'Client secret reset', zh: '重置客户端密钥' },
  merchant_settings_changed: { en: 'Merchant settings changed', zh: '修改商户设置' },
  ftp_password_reset: { en: 'FTP password reset', zh: '重置 FTP 密码' },
  settlement_run: { en: 'Settlement run', zh: '执行结算' },
};

export function actionName(lang: ConsoleLang, action: string): string {
  return ACTION_NAMES[action]?.[lang] ?? action;
}
