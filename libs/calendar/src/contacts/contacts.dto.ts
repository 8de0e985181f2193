import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** At most this many contacts in one answer. */
export const MAX_CONTACTS = 50;

export const CONTACT_SOURCES = ['calendar', 'meeting', 'invited'] as const;
export type ContactSource = (typeof CONTACT_SOURCES)[number];

export const ContactsQuerySchema = z
  .object({
    q: z
      .string()
      .trim()
      .max(200, 'must be at most 200 characters')
      .optional()
      .describe('part of a name or an address, case-insensitive (e.g. "sam"); absent: everyone')
      .meta({ example: 'sam' }),
  })
  .strict();
export class ContactsQueryDto extends createZodDto(ContactsQuerySchema) {}

export const ContactSchema = z.object({
  email: z.string().describe('lower-case address'),
  name: z
    .string()
    .nullable()
    .describe("the account's name, or the name the guest list gives; null when unknown"),
  sources: z
    .array(z.enum(CONTACT_SOURCES))
    .describe(
      'why you know them: "calendar" (a calendar shared between you), "meeting" (in a meeting you were invited to), ' +
        '"invited" (you invited them)',
    ),
});
export type ContactResponse = z.infer<typeof ContactSchema>;

export const ContactListResponseSchema = z
  .object({ items: z.array(ContactSchema).describe(`at most ${MAX_CONTACTS}, by name then address`) })
  .meta({
    example: {
      items: [
        { email: 'sam.lee@example.com', name: 'Sam Lee', sources: ['calendar', 'meeting'] },
        { email: 'sam@partner.example', name: null, sources: ['invited'] },
      ],
    },
  });
export class ContactListResponseDto extends createZodDto(ContactListResponseSchema) {}
