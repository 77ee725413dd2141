/**
 * Schemas of the enterprise qualification routes (reference 4.1-4.2, docs/b2b.md): the registration
 * body as enterprise-request.ts `parseEnterpriseRequest` accepts it (wrapped as
 * `{"enterprise_qualification":{...}}`, the reference sample, or not), the company object as
 * enterprise-view.ts renders it, and a Fastify route schema per route. In code: the check character
 * of an 18-character unified social credit code, the number of digits of a phone, the uniqueness of
 * `external_enterprise_id` (`00060781`).
 */
import Type, { type Static } from 'typebox';
import {
  BEARER,
  CHINA_TIME_PATTERN,
  ERROR_RESPONSES,
  Link,
  REFERENCE_PATTERN,
  answer,
  codes,
  exampleLink,
  idParams,
  stringEnum,
} from '../http/common-schemas.ts';
import { refTo, shared } from '../http/schema-registry.ts';
import { ENTERPRISE_RANKS, ENTERPRISE_STATUSES } from './enterprise-record.ts';
import { BUSI_TYPES } from './enterprise-request.ts';

const SAMPLE_ID = 'EQ_GEYDAMBQGEZDK7CHIZEEO';
const SAMPLE_CODE = '91350100M000100Y43';

// ---- request ------------------------------------------------------------------------------------

const contact = (description: string) =>
  Type.String({ maxLength: 64, description: `${description} At most 64 characters.`, examples: ['FengJian1'] });

export const EnterpriseQualificationBody = shared(
  Type.Object(
    {
      external_enterprise_id: Type.String({
        maxLength: 64,
        pattern: REFERENCE_PATTERN,
        'x-umf-format': 'may only hold letters, digits, "_", "-" and "."',
        description:
          "The company's id in the merchant's system, unique per merchant " +
          `(${codes('DUPLICATE_ENTERPRISE')}). At most 64 of letters, digits, \`_\`, \`-\`, \`.\`.`,
        examples: ['10000125'],
      }),
      enterprise_name: Type.String({
        maxLength: 128,
        description: 'The registered name of the company. At most 128 characters.',
        examples: ['华西电子商务有限公司'],
      }),
      enterprise_phone: Type.Optional(
        Type.String({
          maxLength: 32,
          pattern: '^[0-9+() -]+$',
          'x-umf-format': 'may only hold digits, spaces, "+", "-", "(" and ")"',
          'x-umf-code': 'PHONE_INVALID',
          description: `The contact's phone: a mobile or a landline, 5 to 20 digits (${codes('PHONE_INVALID')}).`,
          examples: ['13241359611', '010-62345678'],
        }),
      ),
      enterprise_email: Type.Optional(
        Type.String({
          maxLength: 254,
          pattern: '^[^\\s@]+@[^\\s@.]+(\\.[^\\s@.]+)+$',
          'x-umf-format': 'must be an email address like name@example.com',
          description: "The contact's email.",
          examples: ['fengjian@umpay.com'],
        }),
      ),
      enterprise_contacts: Type.Optional(contact('The name of the contact (the reference sample spelling).')),
      enterprise_contact: Type.Optional(
        contact(
          'The same as `enterprise_contacts` (another spelling clients send); `enterprise_contacts` wins when ' +
            'both are sent. Answers always say `enterprise_contacts`.',
        ),
      ),
      busi_type: Type.Optional(
        stringEnum(BUSI_TYPES, {
          description:
            'SJHG: the company exchanges money to CNY; GFHG: the company exchanges money from CNY (any case).',
          examples: ['GFHG'],
        }),
      ),
      enterprise_code: Type.Optional(
        Type.String({
          maxLength: 32,
          pattern: '^[A-Za-z0-9-]+$',
          'x-umf-format': 'may only hold letters, digits and "-"',
          description:
            'The unified social credit code (统一社会信用代码, GB 32100-2015). An 18-character code must have the ' +
            'right check character (its 18th); codes of another length (registration numbers from before 2015, ' +
            "the reference sample's `90000331`) are kept for the operator's review. Stored in upper case.",
          examples: [SAMPLE_CODE],
        }),
      ),
    },
    {
      $id: 'EnterpriseQualificationBody',
      description: 'A company the merchant registers for B2B payments (objs.md `enterprise_qualification`).',
    },
  ),
);

export const RegisterEnterpriseRequest = shared(
  Type.Unsafe<
    | Static<typeof EnterpriseQualificationBody>
    | { enterprise_qualification: Static<typeof EnterpriseQualificationBody> }
  >({
    $id: 'RegisterEnterpriseRequest',
    type: 'object',
    if: { required: ['enterprise_qualification'], properties: { enterprise_qualification: { type: 'object' } } },
    then: {
      required: ['enterprise_qualification'],
      properties: { enterprise_qualification: refTo(EnterpriseQualificationBody) },
    },
    else: refTo(EnterpriseQualificationBody),
    description:
      'A company to register (reference 4.1), as `{"enterprise_qualification":{...}}` (the reference sample) ' +
      'or the members themselves. It starts DISABLE; it can pay B2B once the platform approved it (ENABLE).',
    examples: [
      {
        enterprise_qualification: {
          external_enterprise_id: '10000125',
          enterprise_name: '华西电子商务有限公司',
          enterprise_phone: '13241359611',
          enterprise_email: 'fengjian@umpay.com',
          enterprise_contacts: 'FengJian1',
          busi_type: 'GFHG',
          enterprise_code: SAMPLE_CODE,
        },
      },
    ],
  }),
);
export type RegisterEnterpriseRequest = Static<typeof RegisterEnterpriseRequest>;

// ---- the company object -------------------------------------------------------------------------

export const EnterpriseQualification = shared(
  Type.Object(
    {
      id: Type.String({ pattern: '^EQ_[A-Z2-7]+$', examples: [SAMPLE_ID] }),
      external_enterprise_id: Type.String(),
      enterprise_name: Type.String(),
      enterprise_phone: Type.Optional(Type.String()),
      enterprise_email: Type.Optional(Type.String()),
      enterprise_contacts: Type.Optional(
        Type.String({ description: 'The contact, whichever spelling (`enterprise_contact`) the request used.' }),
      ),
      busi_type: Type.Optional(stringEnum(BUSI_TYPES)),
      enterprise_code: Type.Optional(Type.String({ description: 'In upper case.' })),
      enterprise_status: stringEnum(ENTERPRISE_STATUSES, {
        description: 'DISABLE when registered (and after a rejection); ENABLE once the platform approved it.',
      }),
      rank: Type.Optional(
        stringEnum(ENTERPRISE_RANKS, { description: 'The rank the platform gave the company: once ENABLE.' }),
      ),
      review_reason: Type.Optional(
        Type.String({ description: 'Why the platform rejected the company: while it is DISABLE after a rejection.' }),
      ),
      created_time: Type.String({ pattern: CHINA_TIME_PATTERN }),
      reviewed_time: Type.Optional(Type.String({ pattern: CHINA_TIME_PATTERN, description: 'The last review.' })),
    },
    {
      $id: 'EnterpriseQualification',
      description:
        'A company registered for B2B payments (objs.md `enterprise_qualification`). There is no notification ' +
        'of its review: poll GET until `enterprise_status` is ENABLE.',
      examples: [
        {
          id: SAMPLE_ID,
          external_enterprise_id: '10000125',
          enterprise_name: '华西电子商务有限公司',
          enterprise_phone: '13241359611',
          enterprise_email: 'fengjian@umpay.com',
          enterprise_contacts: 'FengJian1',
          busi_type: 'GFHG',
          enterprise_code: SAMPLE_CODE,
          enterprise_status: 'ENABLE',
          rank: 'A',
          created_time: '2026-03-02T10:00:00+08:00',
          reviewed_time: '2026-03-02T15:30:00+08:00',
        },
      ],
    },
  ),
);
export type EnterpriseQualification = Static<typeof EnterpriseQualification>;

// ---- answers and routes ---------------------------------------------------------------------------

export const EnterpriseAnswer = answer(
  'EnterpriseAnswer',
  'A company (the reference 4.1 sample) and its links.',
  {
    enterprise_qualification: refTo(EnterpriseQualification),
    links: Type.Array(refTo(Link), { description: '`self`.' }),
  },
  [
    {
      meta: { ret_code: '0000', ret_msg: 'Successful', sign: '...' },
      enterprise_qualification: {
        id: SAMPLE_ID,
        external_enterprise_id: '10000125',
        enterprise_name: '华西电子商务有限公司',
        busi_type: 'GFHG',
        enterprise_status: 'DISABLE',
        created_time: '2026-03-02T10:00:00+08:00',
      },
      links: [exampleLink('self', 'GET', `/enterprise_qualification/${SAMPLE_ID}`)],
    },
  ],
);
export type EnterpriseAnswer = Static<typeof EnterpriseAnswer>;

const TAGS = ['Enterprises'];

export const registerEnterpriseRoute = {
  summary: 'Register a company',
  description:
    'Registers a company of the merchant for B2B payments (reference 4.1, docs/b2b.md). It starts DISABLE; the ' +
    'merchant sends its papers to the platform, whose operator approves it (ENABLE, with a rank) or rejects it ' +
    '(DISABLE, `review_reason`). A second company with the same external_enterprise_id: ' +
    `${codes('DUPLICATE_ENTERPRISE')}.`,
  tags: TAGS,
  operationId: 'registerEnterprise',
  security: BEARER,
  body: refTo(RegisterEnterpriseRequest),
  response: { 201: refTo(EnterpriseAnswer), ...ERROR_RESPONSES },
};

export const getEnterpriseRoute = {
  summary: 'Query a company',
  description:
    "A company of the merchant with its `enterprise_status` and `rank` (reference 4.2); another merchant's or an " +
    `unknown id: ${codes('ENTERPRISE_NOT_FOUND')}. A B2B payment of a company that is not ENABLE: ` +
    `${codes('ENTERPRISE_NOT_ENABLED')}.`,
  tags: TAGS,
  operationId: 'getEnterprise',
  security: BEARER,
  params: idParams('The company id (EQ_...).', SAMPLE_ID),
  response: { 200: refTo(EnterpriseAnswer), ...ERROR_RESPONSES },
};
