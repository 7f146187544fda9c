import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { UsersService } from '../auth/users.service.js';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { SandboxGateway } from './adapters/sandbox.gateway.js';
import { CreateSandboxContainerInput, CreateSandboxGroupInput } from './dto/sandbox.inputs.js';
import { ImportTargetModel, ImportTargetTypeEnum, OmeroGroupModel } from './models/omero.models.js';
import { SandboxGroupModel } from './models/sandbox-group.model.js';
import { OmeroGateway } from './omero-gateway.port.js';
import { omeroUserOf } from './omero-user.js';

@Resolver()
export class OmeroResolver {
  constructor(
    private readonly gateway: OmeroGateway,
    private readonly users: UsersService,
  ) {}

  @Query(() => [OmeroGroupModel], { description: 'Your OMERO groups.' })
  async groups(@CurrentUser() user: AuthUser): Promise<OmeroGroupModel[]> {
    const groups = await this.gateway.listGroups(omeroUserOf(user));
    return groups.map((group) => ({ ...group, sandbox: this.gateway.kind === 'sandbox' }));
  }

  @Query(() => [ImportTargetModel], { description: 'Datasets (with their projects) or screens of one of your groups.' })
  async importTargets(
    @CurrentUser() user: AuthUser,
    @Args('groupId', { type: () => ID }) groupId: string,
    @Args('type', { type: () => ImportTargetTypeEnum, defaultValue: ImportTargetTypeEnum.DATASET })
    type: ImportTargetTypeEnum,
  ): Promise<ImportTargetModel[]> {
    const targets = await this.gateway.listTargets(omeroUserOf(user), groupId, type);
    return targets.map((target) => ({
      ...target,
      type: target.type as ImportTargetTypeEnum,
      sandbox: this.gateway.kind === 'sandbox',
    }));
  }

  @Query(() => [SandboxGroupModel], {
    description: 'Every group of the sandbox OMERO, members or not. Sandbox OMERO only; administrators only.',
  })
  @Roles('admin')
  sandboxGroups(): Promise<SandboxGroupModel[]> {
    return this.sandbox().listAllGroups();
  }

  // A list of its own rather than a field of each group: nested lists multiply a query's cost.
  @Query(() => [ImportTargetModel], {
    description:
      "Every dataset (with its project) and screen of every sandbox group; `canLink` is true (their owner's view). Sandbox OMERO only; administrators only.",
  })
  @Roles('admin')
  async sandboxContainers(): Promise<ImportTargetModel[]> {
    const containers = await this.sandbox().listAllContainers();
    return containers.map((c) => ({ ...c, type: c.type as ImportTargetTypeEnum, sandbox: true }));
  }

  @Mutation(() => OmeroGroupModel, { description: 'Sandbox OMERO only; administrators only.' })
  @Roles('admin')
  async createSandboxGroup(@Args('input') input: CreateSandboxGroupInput): Promise<OmeroGroupModel> {
    const sandbox = this.sandbox();
    const memberIds = await Promise.all(input.members.map((username) => this.userId(username)));
    return { ...(await sandbox.createGroup(input.name.trim(), input.readWrite, memberIds)), sandbox: true };
  }

  @Mutation(() => ImportTargetModel, { description: 'Sandbox OMERO only; administrators only.' })
  @Roles('admin')
  async createSandboxContainer(
    @CurrentUser() user: AuthUser,
    @Args('input') input: CreateSandboxContainerInput,
  ): Promise<ImportTargetModel> {
    const ownerId = input.owner ? await this.userId(input.owner) : user.id;
    const created = await this.sandbox().createContainer(
      input.groupId,
      input.type,
      input.name.trim(),
      ownerId,
      input.projectName?.trim(),
    );
    if (!created) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        `There is no sandbox group ${input.groupId} with ${input.owner ?? 'you'} as a member.`,
      );
    }
    return { ...created, type: created.type as ImportTargetTypeEnum, sandbox: true };
  }

  private sandbox(): SandboxGateway {
    if (!(this.gateway instanceof SandboxGateway)) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        'A real OMERO server is configured: manage its groups and containers in OMERO.',
      );
    }
    return this.gateway;
  }

  private async userId(username: string): Promise<string> {
    const found = await this.users.findByUsername(username);
    if (!found) throw new AppError(ErrorCode.BAD_USER_INPUT, `There is no user "${username}".`);
    return found.id;
  }
}
