import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import { UserPrincipal } from 'src/access/principal';
import { templatePath } from 'src/reports/project-root';

/** The portal's sections, for the navigation bar. */
export type PortalSection =
  'dashboard' | 'generations' | 'reports' | 'policies' | 'admin' | 'account' | 'none';

/** What every page's layout needs: who is signed in and the token its forms carry. */
export interface PageFrame {
  title: string;
  section: PortalSection;
  /** Null on the pages shown to nobody signed in (sign-in, signed out). */
  person: {
    email: string;
    role: UserPrincipal['role'];
    /** An auditor's grant end, ISO time; null for other roles. */
    accessUntil: string | null;
    /** Whether the person may change anything (auditors may not). */
    canEdit: boolean;
    isAdmin: boolean;
  } | null;
  /** The CSRF token of this session, put into every form as `_csrf`. */
  csrf: string | null;
  /** A one-line message above the page (a result, or why the person was sent here). */
  notice?: { kind: 'info' | 'error'; text: string };
}

/**
 * Server-side rendering of the portal's pages with Eta: templates in templates/portal/, each
 * page inside `layout.eta`. Output is HTML-escaped unless a template asks for raw text with
 * `<%~`, which only the layout's body and our own SVG charts use.
 */
@Injectable()
export class PortalViews {
  private readonly eta = new Eta({
    views: templatePath('portal'),
    autoEscape: true,
    // Templates are read once; a deployment ships them with the code.
    cache: true,
  });

  render(page: string, frame: PageFrame, data: Record<string, unknown> = {}): string {
    return this.eta.render(`./${page}`, { ...data, frame });
  }
}

/** The layout's frame for a signed-in person. */
export function frameFor(
  principal: UserPrincipal,
  csrf: string,
  title: string,
  section: PortalSection,
): PageFrame {
  return {
    title,
    section,
    person: {
      email: principal.email,
      role: principal.role,
      accessUntil: principal.auditorAccessUntil?.toISOString() ?? null,
      canEdit: principal.role !== 'auditor',
      isAdmin: principal.role === 'admin',
    },
    csrf,
  };
}
